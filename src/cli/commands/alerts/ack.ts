import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';

export default class AlertsAck extends BaseCommand {
  static description = 'Acknowledge an active alert: it stops repeating.';

  static examples = ['<%= config.bin %> alerts ack alert_0a1b2c3d4e5f --by me@example.com --notes "looking"'];

  static args = { id: Args.string({ description: 'Alert id (alert_…)', required: true }) };

  static flags = {
    by: Flags.string({ description: 'Who acknowledges' }),
    notes: Flags.string({ description: 'A note for the others' }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(AlertsAck);
    const alert = await this.clientFor(flags).acknowledgeAlert(args.id, { acknowledged_by: flags.by, notes: flags.notes });
    this.log(`Acknowledged ${alert.alert_id}: ${alert.message}`);
    return alert;
  }
}
