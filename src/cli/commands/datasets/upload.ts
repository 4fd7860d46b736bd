import { Args, Flags } from '@oclif/core';
import type { DatasetInfo } from '../../../client/trainer-client.js';
import { BaseCommand } from '../../base-command.js';
import { stem } from '../models/upload.js';

export default class DatasetsUpload extends BaseCommand {
  static description = 'Upload a dataset file (inspected by the agent as it streams in; a progress bar on a terminal).';

  static examples = [
    '<%= config.bin %> datasets upload ./iris.csv --name iris-csv --description "Fisher\'s iris"',
    '<%= config.bin %> datasets upload ./iris-fixed.csv --name iris-csv --new-version',
  ];

  static args = { file: Args.string({ description: 'The dataset file (CSV, TSV, JSON, JSONL, tar, tar.gz, zip, or any file)', required: true }) };

  static flags = {
    name: Flags.string({ char: 'n', description: 'Dataset name (default: the file name without its extension)' }),
    description: Flags.string({ char: 'd', description: 'A description' }),
    'new-version': Flags.boolean({ description: 'The name exists: add this file as its new version (identified by its SHA-256)', default: false }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(DatasetsUpload);
    const name = flags.name ?? stem(args.file);
    const bar = this.progress(`Uploading ${name}`);
    const fields: Record<string, string> = flags.description ? { description: flags.description } : {};
    const query = { dataset_name: name, ...(flags['new-version'] ? { new_version: 'true' } : {}) };
    const dataset = await this.clientFor(flags).upload<DatasetInfo & { message: string }>('/api/v1/datasets', query, fields, args.file, (done, total) =>
      bar.update(done, total),
    );
    bar.finish();
    const shape = dataset.row_count !== null ? `, ${dataset.row_count} rows × ${dataset.column_count} columns` : '';
    this.log(`${dataset.message} (${dataset.format}${shape}, ${dataset.size_mb} MB${dataset.version ? `, version ${dataset.version.slice(0, 12)}` : ''})`);
    return dataset;
  }
}
