import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';

export default class ExperimentsCreate extends BaseCommand {
  static description = 'Create an experiment; start runs in it with `trainer run start … --experiment <id>`.';

  static examples = ['<%= config.bin %> experiments create "lr sweep" --description "adam, 1e-4..1e-1" --tag sweep'];

  static args = { name: Args.string({ description: 'Experiment name', required: true }) };

  static flags = {
    description: Flags.string({ default: '' }),
    tag: Flags.string({ multiple: true, default: [] }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(ExperimentsCreate);
    const experiment = await this.clientFor(flags).createExperiment({ name: args.name, description: flags.description, tags: flags.tag });
    this.log(`Created experiment ${experiment.experiment_id} (${experiment.name})`);
    return experiment;
  }
}
