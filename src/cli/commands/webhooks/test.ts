import { Args } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';

export default class WebhooksTest extends BaseCommand {
  static description = 'Send a signed test event to a webhook now; exits non-zero if it was not accepted.';

  static examples = ['<%= config.bin %> webhooks test webhook_0a1b2c3d4e5f'];

  static args = { id: Args.string({ description: 'Webhook id (webhook_…)', required: true }) };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(WebhooksTest);
    const result = await this.clientFor(flags).testWebhook(args.id);
    if (!result.success)
      this.fail(`The webhook did not accept the test event: ${result.error ?? `HTTP ${result.status_code}`} (${result.response_time_ms} ms)`, 1);
    this.log(`Delivered: HTTP ${result.status_code} in ${result.response_time_ms} ms`);
    return result;
  }
}
