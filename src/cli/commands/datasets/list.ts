import { BaseCommand } from '../../base-command.js';
import { formatTable, formatTime } from '../../format.js';

export default class DatasetsList extends BaseCommand {
  static description = 'List datasets: built-in, uploaded, and files put in the datasets directory.';

  static examples = ['<%= config.bin %> datasets list', '<%= config.bin %> datasets list --json'];

  async run(): Promise<unknown> {
    const { flags } = await this.parse(DatasetsList);
    const datasets = await this.clientFor(flags).datasets();
    this.log(
      formatTable(
        ['NAME', 'FORMAT', 'SAMPLES', 'SIZE_MB', 'VERSION', 'CREATED'],
        datasets.map((dataset) => [
          dataset.name,
          dataset.format,
          dataset.sample_count,
          dataset.builtin ? null : dataset.size_mb,
          dataset.version?.slice(0, 12),
          formatTime(dataset.created_at),
        ]),
      ),
    );
    return datasets;
  }
}
