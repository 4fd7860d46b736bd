import { Args } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { formatFields, formatTime } from '../../format.js';

export default class DatasetsShow extends BaseCommand {
  static description = 'Describe a dataset: format, rows, columns, size, checksum.';

  static examples = ['<%= config.bin %> datasets show iris-csv'];

  static args = { name: Args.string({ description: 'Dataset name', required: true }) };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(DatasetsShow);
    const dataset = await this.clientFor(flags).dataset(args.name);
    this.log(
      formatFields([
        ['name', dataset.name],
        ['format', dataset.format],
        ['builtin', dataset.builtin ? 'yes' : 'no'],
        ['samples', dataset.sample_count],
        ['rows', dataset.row_count],
        ['columns', dataset.columns ? dataset.columns.join(', ') : dataset.column_count],
        ['files', dataset.file_count],
        ['size', dataset.builtin ? null : `${dataset.size_mb} MB (${dataset.size_bytes} bytes)`],
        ['sha256', dataset.sha256],
        ['versions', dataset.versions],
        ['created', formatTime(dataset.created_at)],
        ['path', dataset.file_path],
        ['description', dataset.description],
        ['note', dataset.note],
      ]),
    );
    return dataset;
  }
}
