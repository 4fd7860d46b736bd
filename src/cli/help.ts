import { Help } from '@oclif/core';
import { EXIT_CODES } from '../errors.js';

/** oclif's help, with the exit codes after the commands in `trainer --help`. */
export default class TrainerHelp extends Help {
  protected async showRootHelp(): Promise<void> {
    await super.showRootHelp();
    this.log(this.section('EXIT CODES', exitCodeTable()));
  }
}

/** One line per exit code: the code, its meaning and the agent's wire codes that give it. */
export function exitCodeTable(): string {
  return EXIT_CODES.map(({ exit, meaning, codes }) => `${String(exit).padEnd(4)}${meaning}${codes.length > 0 ? `; codes: ${codes.join(', ')}` : ''}`).join(
    '\n',
  );
}
