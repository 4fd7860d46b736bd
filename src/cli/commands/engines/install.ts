import { Args, Command, Flags } from '@oclif/core';
import { enginesDir } from '../../../monitor/training-engines.js';
import { ENGINE_CHOICES, EngineInstallFailed, installEngine } from '../../engine-install.js';

export default class EnginesInstall extends Command {
  static description = `Install a native TF.js engine for the tfjs recipe: cpu (@tensorflow/tfjs-node) or gpu (@tensorflow/tfjs-node-gpu).

A plain npm install of trainer downloads nothing beyond the registry; these engines download
libtensorflow at install, so they are this explicit step. They go to TRAINER_ENGINES_DIR (default:
engines/ in the trainer's directory), which the agent reads at the next run. Without them the tfjs
recipe trains on the wasm and cpu engines. Run it on the agent's machine, as the agent's owner.`;

  static examples = ['<%= config.bin %> engines install gpu', 'TRAINER_ENGINES_DIR=/var/lib/trainer/engines <%= config.bin %> engines install cpu'];

  static args = {
    engine: Args.string({ description: 'Which engine', options: Object.keys(ENGINE_CHOICES), required: true }),
  };

  static flags = {
    quiet: Flags.boolean({ char: 'q', description: "Do not echo npm's output" }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(EnginesInstall);
    const dir = enginesDir();
    this.logToStderr(`Installing the ${args.engine} engine into ${dir} (downloads libtensorflow)…`);
    try {
      const spec = await installEngine(args.engine as keyof typeof ENGINE_CHOICES, dir, (chunk) => flags.quiet || process.stderr.write(chunk));
      this.log(`Installed ${spec}. Runs with engine auto (the default) now use it; check with: trainer architectures`);
    } catch (error) {
      if (!(error instanceof EngineInstallFailed)) throw error;
      process.stderr.write(`Error: ${error.message}\n`);
      this.exit(1);
    }
  }
}
