import { Args } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';

export default class ModelsRm extends BaseCommand {
  static description = 'Delete a model from the registry, file included.';

  static examples = ['<%= config.bin %> models rm resnet-v2'];

  static args = { name: Args.string({ description: 'Model name', required: true }) };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(ModelsRm);
    const result = await this.clientFor(flags).removeModel(args.name);
    this.log(result.message);
    return result;
  }
}
