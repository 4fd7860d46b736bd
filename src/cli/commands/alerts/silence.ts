import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';

export default class AlertsSilence extends BaseCommand {
  static description = 'Mute the messages of a rule or of a run for a while (alerts are still recorded).';

  static examples = [
    '<%= config.bin %> alerts silence --rule rule_0a1b2c3d4e5f --for 1h',
    '<%= config.bin %> alerts silence --run sess_0123456789ab --for 30m --reason "known flaky"',
  ];

  static flags = {
    rule: Flags.string({ description: 'Rule id', exactlyOne: ['rule', 'run'] }),
    run: Flags.string({ description: 'Run id', exactlyOne: ['rule', 'run'] }),
    for: Flags.string({ description: 'How long: 90s, 30m, 1h, 2d', required: true }),
    reason: Flags.string({ description: 'Why' }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(AlertsSilence);
    const silence = await this.clientFor(flags).silence({ rule_id: flags.rule, run_id: flags.run, duration: flags.for, reason: flags.reason });
    this.log(`Silenced ${silence.rule_id ?? silence.run_id} until ${silence.until} (${silence.silence_id})`);
    return silence;
  }
}
