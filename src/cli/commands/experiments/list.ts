import { BaseCommand } from '../../base-command.js';
import { formatTable, formatTime } from '../../format.js';

export default class ExperimentsList extends BaseCommand {
  static description = 'List experiments.';

  static examples = ['<%= config.bin %> experiments list'];

  async run(): Promise<unknown> {
    const { flags } = await this.parse(ExperimentsList);
    const experiments = await this.clientFor(flags).experiments();
    if (experiments.length === 0) this.log('No experiments.');
    else
      this.log(
        formatTable(
          ['ID', 'NAME', 'TAGS', 'CREATED', 'DESCRIPTION'],
          experiments.map((experiment) => [
            experiment.experiment_id,
            experiment.name,
            experiment.tags.join(','),
            formatTime(experiment.created_at),
            experiment.description,
          ]),
        ),
      );
    return experiments;
  }
}
