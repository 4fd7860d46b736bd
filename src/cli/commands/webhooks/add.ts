import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';

export default class WebhooksAdd extends BaseCommand {
  static description =
    'Register a webhook for events (training_started, training_completed, training_failed, training_stopped, training_queued, training_cancelled, alert_triggered, alert_resolved).';

  static examples = ['<%= config.bin %> webhooks add https://ci.example.com/hook -e training_completed -e training_failed --secret "$SECRET"'];

  static args = { url: Args.string({ description: 'Where to POST', required: true }) };

  static flags = {
    event: Flags.string({ char: 'e', description: 'An event to send', multiple: true, required: true }),
    secret: Flags.string({ description: 'Signs deliveries (HMAC-SHA256); at least 8 characters' }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(WebhooksAdd);
    const webhook = await this.clientFor(flags).addWebhook({ url: args.url, events: flags.event, secret: flags.secret });
    this.log(`Added webhook ${webhook.webhook_id} for ${webhook.events.join(', ')}`);
    return webhook;
  }
}
