import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { formatFields, formatTable, formatTime, formatValue, metricValues } from '../../format.js';

export default class RunMetrics extends BaseCommand {
  static description = "Show a run's latest metrics, or with --history every epoch's.";

  static examples = ['<%= config.bin %> run metrics sess_0123456789ab', '<%= config.bin %> run metrics sess_0123456789ab --history'];

  static args = {
    id: Args.string({ description: 'Session id (sess_…)', required: true }),
  };

  static flags = {
    history: Flags.boolean({ description: 'Every metric point, as a table' }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(RunMetrics);
    const client = this.clientFor(flags);
    if (flags.history) {
      const history = await client.metricHistory(args.id);
      if (history.length === 0) {
        this.log('No metrics yet.');
        return history;
      }
      const columns: string[] = [];
      for (const point of history) for (const [key] of metricValues(point)) if (!columns.includes(key)) columns.push(key);
      this.log(
        formatTable(
          ['epoch', ...columns, 'timestamp'],
          history.map((point) => [point.epoch, ...columns.map((key) => (key in point ? formatValue(point[key]) : null)), formatTime(point.timestamp)]),
        ),
      );
      return history;
    }
    const latest = await client.latestMetrics(args.id);
    if (latest.timestamp === null) {
      this.log('No metrics yet.');
      return latest;
    }
    this.log(
      formatFields([
        ['epoch', latest.epoch],
        ...metricValues(latest).map(([key, value]): [string, string] => [key, formatValue(value)]),
        ['timestamp', formatTime(latest.timestamp)],
      ]),
    );
    return latest;
  }
}
