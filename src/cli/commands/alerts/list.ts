import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { formatTable, formatTime } from '../../format.js';

export default class AlertsList extends BaseCommand {
  static description = 'List alerts, newest first.';

  static examples = ['<%= config.bin %> alerts list', '<%= config.bin %> alerts list --status active --severity critical'];

  static flags = {
    status: Flags.string({ options: ['active', 'acknowledged', 'resolved'] }),
    severity: Flags.string({ options: ['low', 'medium', 'high', 'critical'] }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(AlertsList);
    const alerts = await this.clientFor(flags).alerts({ status: flags.status, severity: flags.severity });
    if (alerts.length === 0) this.log('No alerts.');
    else
      this.log(
        formatTable(
          ['ID', 'SEVERITY', 'STATUS', 'RULE', 'MESSAGE', 'SINCE'],
          alerts.map((alert) => [alert.alert_id, alert.severity, alert.status, alert.rule_name, alert.message, formatTime(alert.triggered_at)]),
        ),
      );
    return alerts;
  }
}
