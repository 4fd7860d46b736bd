import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { formatNumber, formatTable, formatTime } from '../../format.js';

export default class CheckpointsList extends BaseCommand {
  static description = "List checkpoints, newest first; the best one of each run by its recipe's metric is marked.";

  static examples = ['<%= config.bin %> checkpoints list', '<%= config.bin %> checkpoints list --session sess_0123456789ab --json'];

  static flags = {
    session: Flags.string({ char: 's', description: 'Only this session’s checkpoints (sess_…)' }),
    limit: Flags.integer({ description: 'At most this many', min: 1 }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(CheckpointsList);
    const checkpoints = await this.clientFor(flags).checkpoints({ session_id: flags.session, limit: flags.limit });
    if (checkpoints.length === 0) this.log('No checkpoints.');
    else
      this.log(
        formatTable(
          ['ID', 'SESSION', 'EPOCH', 'METRIC', 'BEST', 'SIZE_MB', 'CREATED'],
          checkpoints.map((checkpoint) => [
            checkpoint.checkpoint_id,
            checkpoint.session_id,
            checkpoint.epoch,
            checkpoint.metric_value === null ? null : `${checkpoint.metric_name}=${formatNumber(checkpoint.metric_value)}`,
            checkpoint.is_best ? '*' : '',
            checkpoint.file_size_mb,
            formatTime(checkpoint.created_at),
          ]),
        ),
      );
    return checkpoints;
  }
}
