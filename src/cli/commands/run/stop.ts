import { Args } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';

export default class RunStop extends BaseCommand {
  static description = 'Stop a running run, or cancel a queued one.';

  static examples = ['<%= config.bin %> run stop sess_0123456789ab'];

  static args = {
    id: Args.string({ description: 'Session id (sess_…)', required: true }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(RunStop);
    const result = await this.clientFor(flags).stop(args.id);
    this.log(result.message);
    return result;
  }
}
