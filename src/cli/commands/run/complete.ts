import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';

export default class RunComplete extends BaseCommand {
  static description = 'End a tracking run: completed, or failed with --failed and a message.';

  static examples = ['<%= config.bin %> run complete sess_0123456789ab', '<%= config.bin %> run complete sess_0123456789ab --failed --message "eval crashed"'];

  static args = {
    id: Args.string({ description: 'Session id (sess_…)', required: true }),
  };

  static flags = {
    failed: Flags.boolean({ description: 'It failed' }),
    message: Flags.string({ description: 'Why it failed', dependsOn: ['failed'] }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(RunComplete);
    const result = await this.clientFor(flags).completeTracking(args.id, { failed: flags.failed, ...(flags.message && { error_message: flags.message }) });
    this.log(`Run ${result.session_id} ${result.status}${result.error_message ? `: ${result.error_message}` : ''}`);
    return result;
  }
}
