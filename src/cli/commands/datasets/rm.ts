import { Args } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';

export default class DatasetsRm extends BaseCommand {
  static description = 'Delete an uploaded dataset, its file and its versions (built-in ones cannot be deleted).';

  static examples = ['<%= config.bin %> datasets rm iris-csv'];

  static args = { name: Args.string({ description: 'Dataset name', required: true }) };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(DatasetsRm);
    const result = await this.clientFor(flags).removeDataset(args.name);
    this.log(result.message);
    return result;
  }
}
