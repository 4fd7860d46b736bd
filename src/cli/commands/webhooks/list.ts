import { BaseCommand } from '../../base-command.js';
import { formatTable, formatTime } from '../../format.js';

export default class WebhooksList extends BaseCommand {
  static description = 'List webhooks.';

  static examples = ['<%= config.bin %> webhooks list'];

  async run(): Promise<unknown> {
    const { flags } = await this.parse(WebhooksList);
    const webhooks = await this.clientFor(flags).webhooks();
    if (webhooks.length === 0) this.log('No webhooks.');
    else
      this.log(
        formatTable(
          ['ID', 'URL', 'EVENTS', 'SIGNED', 'CREATED'],
          webhooks.map((webhook) => [webhook.webhook_id, webhook.url, webhook.events.join(','), webhook.signed ? 'yes' : 'no', formatTime(webhook.created_at)]),
        ),
      );
    return webhooks;
  }
}
