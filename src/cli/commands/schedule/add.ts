import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { formatTime } from '../../format.js';
import { parseParams } from '../run/start.js';

export default class ScheduleAdd extends BaseCommand {
  static description = `Run a recipe on a cron schedule. Five fields (minute hour day month weekday) or six (seconds first), in a time zone (UTC by default).
With --overlap skip (the default) a fire is skipped while the schedule's last run is still queued or running; with queue it queues another run.`;

  static examples = [
    '<%= config.bin %> schedule add demo-mlp --cron "30 2 * * *" --tz Europe/Paris -p epochs=20',
    '<%= config.bin %> schedule add demo-mlp --cron "0 */6 * * *" --overlap queue --name six-hourly',
  ];

  static args = { recipe: Args.string({ description: 'Recipe to run', required: true }) };

  static flags = {
    cron: Flags.string({ description: 'Cron expression', required: true }),
    tz: Flags.string({ description: 'IANA time zone of the expression', default: 'UTC' }),
    overlap: Flags.string({ description: 'When the last run is still going', options: ['skip', 'queue'], default: 'skip' }),
    param: Flags.string({ char: 'p', description: 'Recipe parameter as key=value (repeatable)', multiple: true, multipleNonGreedy: true }),
    name: Flags.string({ description: 'Name given to the runs it starts' }),
    gpus: Flags.integer({ description: "GPUs per run (default: the recipe's)" }),
    priority: Flags.integer({ description: "Queue priority of its runs (default: the recipe's)" }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(ScheduleAdd);
    const params = parseParams(flags.param ?? [], (message) => this.fail(message, 2));
    const schedule = await this.clientFor(flags).addSchedule({
      recipe: args.recipe,
      cron: flags.cron,
      timezone: flags.tz,
      overlap: flags.overlap,
      params,
      name: flags.name,
      gpus: flags.gpus,
      priority: flags.priority,
    });
    this.log(
      `Added schedule ${schedule.id}: ${schedule.recipe} at '${schedule.cron}' (${schedule.timezone}); next: ${schedule.next_fire_times.slice(0, 3).map(formatTime).join(', ')}`,
    );
    return schedule;
  }
}
