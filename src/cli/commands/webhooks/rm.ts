import { Args } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';

export default class WebhooksRm extends BaseCommand {
  static description = 'Delete a webhook; its pending deliveries are dropped.';

  static examples = ['<%= config.bin %> webhooks rm webhook_0a1b2c3d4e5f'];

  static args = { id: Args.string({ description: 'Webhook id (webhook_…)', required: true }) };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(WebhooksRm);
    const result = await this.clientFor(flags).removeWebhook(args.id);
    this.log(result.message);
    return result;
  }
}
