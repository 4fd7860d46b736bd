import { BaseCommand } from '../../base-command.js';
import { formatTable, formatTime } from '../../format.js';

export default class ScheduleList extends BaseCommand {
  static description = 'List schedules with their next fire time and last run.';

  static examples = ['<%= config.bin %> schedule list', '<%= config.bin %> schedule list --json'];

  async run(): Promise<unknown> {
    const { flags } = await this.parse(ScheduleList);
    const schedules = await this.clientFor(flags).schedules();
    if (schedules.length === 0) this.log('No schedules.');
    else
      this.log(
        formatTable(
          ['ID', 'RECIPE', 'CRON', 'TZ', 'OVERLAP', 'NEXT', 'RUNS', 'SKIPPED', 'LAST RUN'],
          schedules.map((schedule) => [
            schedule.id,
            schedule.recipe,
            schedule.cron,
            schedule.timezone,
            schedule.overlap,
            formatTime(schedule.next_fire_times[0]),
            String(schedule.runs_started),
            String(schedule.fires_skipped),
            schedule.last_run_id ?? '-',
          ]),
        ),
      );
    return schedules;
  }
}
