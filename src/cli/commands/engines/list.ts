import { Command } from '@oclif/core';
import { enginesDir, trainingEngines } from '../../../monitor/training-engines.js';
import { formatTable } from '../../format.js';

export default class EnginesList extends Command {
  static description =
    'The TF.js engines this installation has (best first), and where `trainer engines install` puts the native ones. `trainer architectures` asks the agent instead.';

  static enableJsonFlag = true;

  static examples = ['<%= config.bin %> engines list'];

  async run(): Promise<unknown> {
    await this.parse(EnginesList);
    const engines = trainingEngines();
    this.log(
      formatTable(
        ['ENGINE', 'AVAILABLE', 'NOTE'],
        engines.map((engine) => [engine.name, engine.available ? 'yes' : 'no', engine.reason ?? engine.description]),
      ),
    );
    this.log(`\nNative engines directory: ${enginesDir()} (TRAINER_ENGINES_DIR)`);
    return { engines_dir: enginesDir(), engines };
  }
}
