import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { formatTable, formatTime } from '../../format.js';

export default class ModelsList extends BaseCommand {
  static description = 'List the model registry: uploaded models and those completed runs left.';

  static examples = ['<%= config.bin %> models list', '<%= config.bin %> models list --tag production --json'];

  static flags = {
    tag: Flags.string({ description: 'Only the model that holds this tag' }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(ModelsList);
    const models = await this.clientFor(flags).models({ tag: flags.tag });
    if (models.length === 0) this.log(flags.tag ? `No model is tagged '${flags.tag}'.` : 'No models.');
    else
      this.log(
        formatTable(
          ['NAME', 'SIZE_MB', 'RUN', 'TAGS', 'CREATED'],
          models.map((model) => [model.name, model.size_mb, model.run_id, (model.tags ?? []).join(','), formatTime(model.created_at)]),
        ),
      );
    return models;
  }
}
