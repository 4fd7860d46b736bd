import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { formatNumber, formatTable, formatTime } from '../format.js';

export default class Leaderboard extends BaseCommand {
  static description = 'The best completed runs by a metric, with their parameters.';

  static examples = [
    '<%= config.bin %> leaderboard --metric val_accuracy',
    '<%= config.bin %> leaderboard --metric val_loss --mode min --experiment exp_0a1b2c3d4e5f --csv > best.csv',
  ];

  static flags = {
    metric: Flags.string({ description: 'Metric to rank by (its value when the run ended)', required: true }),
    mode: Flags.string({ options: ['max', 'min'], default: 'max' }),
    experiment: Flags.string({ description: 'Only runs of this experiment' }),
    recipe: Flags.string({ description: 'Only runs of this recipe' }),
    limit: Flags.integer({ default: 20, min: 1, max: 1000 }),
    csv: Flags.boolean({ description: 'Print CSV' }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Leaderboard);
    const query = { metric: flags.metric, mode: flags.mode, experiment: flags.experiment, recipe: flags.recipe, limit: flags.limit };
    const client = this.clientFor(flags);
    if (flags.csv) {
      const csv = await client.leaderboardCsv(query);
      process.stdout.write(csv);
      return csv;
    }
    const board = await client.leaderboard(query);
    if (board.entries.length === 0) this.log(`No completed run has a final ${flags.metric}.`);
    else
      this.log(
        formatTable(
          ['#', 'RUN', 'RECIPE', flags.metric.toUpperCase(), 'ENDED', 'PARAMS'],
          board.entries.map((entry) => [
            entry.rank,
            entry.session_id,
            entry.recipe,
            formatNumber(entry.value),
            formatTime(entry.ended_at),
            Object.entries(entry.params)
              .map(([key, value]) => `${key}=${value}`)
              .join(' '),
          ]),
        ),
      );
    return board;
  }
}
