import { BaseCommand } from '../base-command.js';
import { formatTable } from '../format.js';

export default class Architectures extends BaseCommand {
  static description = "The model architectures the tfjs recipe trains, and which TF.js engines the agent's machine has (best first).";

  static examples = [
    '<%= config.bin %> architectures',
    '<%= config.bin %> architectures --json',
    '<%= config.bin %> run start tfjs -p model_architecture=cnn -p dataset_name=digits -p epochs=3',
  ];

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Architectures);
    const info = await this.clientFor(flags).architectures();
    this.log(
      formatTable(
        ['ARCHITECTURE', 'INPUTS', 'DESCRIPTION'],
        info.architectures.map((architecture) => [architecture.name, architecture.inputs, architecture.description]),
      ),
    );
    this.log(`\nLosses: ${info.losses.join(', ')}    Optimizers: ${info.optimizers.join(', ')}    (recipe ${info.recipe})\n`);
    this.log(
      formatTable(
        ['ENGINE', 'AVAILABLE', 'NOTE'],
        info.engines.map((engine) => [engine.name, engine.available ? 'yes' : 'no', engine.reason ?? engine.description]),
      ),
    );
    return info;
  }
}
