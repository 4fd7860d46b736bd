import { Args } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { formatTable, formatTime } from '../../format.js';

export default class DatasetsVersions extends BaseCommand {
  static description = "List a dataset's versions, newest first; pin one in a run with dataset_name=NAME@<version prefix>.";

  static examples = ['<%= config.bin %> datasets versions iris-csv'];

  static args = { name: Args.string({ description: 'Dataset name', required: true }) };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(DatasetsVersions);
    const versions = await this.clientFor(flags).datasetVersions(args.name);
    if (versions.length === 0) this.log(`Dataset '${args.name}' has no versions (built in, or put in the datasets directory by hand).`);
    else
      this.log(
        formatTable(
          ['VERSION', 'CURRENT', 'SIZE_MB', 'ROWS', 'FILE', 'CREATED'],
          versions.map((version) => [
            version.version.slice(0, 12),
            version.current ? '*' : '',
            version.size_mb,
            version.row_count,
            version.original_filename,
            formatTime(version.created_at),
          ]),
        ),
      );
    return versions;
  }
}
