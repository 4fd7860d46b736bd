import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { formatEpoch, formatTable, formatTime } from '../../format.js';
import { RUN_STATES } from '../../../client/trainer-client.js';

export default class RunList extends BaseCommand {
  static description = 'List runs, newest first.';

  static examples = ['<%= config.bin %> run list', '<%= config.bin %> run list --state running', '<%= config.bin %> run list --limit 20 --offset 20 --json'];

  static flags = {
    state: Flags.string({ description: 'Only runs in this state', options: [...RUN_STATES] }),
    limit: Flags.integer({ description: 'How many runs', default: 50, min: 1, max: 1000 }),
    offset: Flags.integer({ description: 'How many runs to skip', default: 0, min: 0 }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(RunList);
    const { sessions, total } = await this.clientFor(flags).listSessions({ status: flags.state, limit: flags.limit, offset: flags.offset });
    if (sessions.length > 0) {
      this.log(
        formatTable(
          ['ID', 'RECIPE', 'STATE', 'EPOCH', 'CREATED', 'NAME'],
          sessions.map((run) => [
            run.session_id,
            run.status.recipe,
            run.status.state,
            formatEpoch(run.status.current_epoch, run.status.total_epochs),
            formatTime(run.created_at),
            run.session_name,
          ]),
        ),
      );
    }
    const shown = sessions.length === 0 ? '0' : flags.offset === 0 ? String(sessions.length) : `${flags.offset + 1}-${flags.offset + sessions.length}`;
    this.log(`${shown} of ${total}${flags.state ? ` ${flags.state}` : ''} run${total === 1 ? '' : 's'}`);
    return { total, offset: flags.offset, limit: flags.limit, sessions };
  }
}
