import { Args } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { formatEpoch, formatFields, formatProgress, formatTime } from '../../format.js';
import type { RunStatus as RunStatusView } from '../../../client/trainer-client.js';

export default class RunStatus extends BaseCommand {
  static description = 'Show the state of a run: epoch, times, exit code and error.';

  static examples = ['<%= config.bin %> run status sess_0123456789ab', '<%= config.bin %> run status sess_0123456789ab --json'];

  static args = {
    id: Args.string({ description: 'Session id (sess_…)', required: true }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(RunStatus);
    const status = await this.clientFor(flags).status(args.id);
    this.log(
      formatFields([
        ['session', status.session_id],
        ['recipe', status.recipe],
        ['state', status.state],
        ['epoch', formatEpoch(status.current_epoch, status.total_epochs)],
        // from the epochs, else from the progress bar the run draws (tqdm, Keras)
        ...(status.progress !== null && status.progress !== undefined ? [['progress', formatProgress(status.progress)] as [string, string]] : []),
        ['queued', formatTime(status.queued_at)],
        ['started', formatTime(status.start_time)],
        ['ended', formatTime(status.end_time)],
        ['gpus', status.gpu_ids?.length ? `${status.gpus} (${status.gpu_ids.join(',')})` : status.gpus],
        ['priority', status.priority],
        ['exit code', status.exit_code],
        ['end reason', status.end_signal ? `${status.end_reason} (${status.end_signal})` : status.end_reason],
        ...(status.attempts && (status.attempts.length > 1 || (status.max_retries ?? 0) > 0)
          ? [['attempts', formatAttempts(status.attempts, status.max_retries ?? 0)] as [string, string]]
          : []),
        ...(status.schedule_id ? [['schedule', status.schedule_id] as [string, string]] : []),
        ['error', status.error_message],
        ...(status.dataset_version ? [['dataset version', status.dataset_version] as [string, string]] : []),
        ...(status.tracking_only ? [['tracking only', 'yes (no process: the client reports metrics and ends it)'] as [string, string]] : []),
      ]),
    );
    return status;
  }
}

/** `2 of at most 3: 1 oom, 2 success` */
function formatAttempts(attempts: NonNullable<RunStatusView['attempts']>, maxRetries: number): string {
  const each = attempts.map((attempt) => `${attempt.n} ${attempt.end_reason ?? 'running'}${attempt.resumed_from ? ' (resumed)' : ''}`).join(', ');
  return `${attempts.length} of at most ${maxRetries + 1}: ${each}`;
}
