import { Args } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';

export default class ScheduleRm extends BaseCommand {
  static description = 'Delete a schedule; the runs it started are kept.';

  static examples = ['<%= config.bin %> schedule rm sched_0a1b2c3d4e5f'];

  static args = { id: Args.string({ description: 'Schedule id (sched_…)', required: true }) };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(ScheduleRm);
    const result = await this.clientFor(flags).removeSchedule(args.id);
    this.log(result.message);
    return result;
  }
}
