import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { formatTable, formatTime } from '../format.js';

export default class Notifications extends BaseCommand {
  static description = "The agent's notification inbox, newest first.";

  static examples = ['<%= config.bin %> notifications --unread', '<%= config.bin %> notifications --type alert --json'];

  static flags = {
    type: Flags.string({ options: ['training', 'alert', 'system'] }),
    priority: Flags.string({ options: ['low', 'medium', 'high'] }),
    unread: Flags.boolean({ description: 'Only unread ones' }),
    limit: Flags.integer({ description: 'How many to show', default: 50, min: 1 }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Notifications);
    const notifications = (await this.clientFor(flags).notifications({ type: flags.type, priority: flags.priority, unread: flags.unread || undefined })).slice(
      0,
      flags.limit,
    );
    if (notifications.length === 0) this.log('No notifications.');
    else
      this.log(
        formatTable(
          ['ID', 'TYPE', 'PRIORITY', 'READ', 'WHEN', 'MESSAGE'],
          notifications.map((notification) => [
            notification.id,
            notification.type,
            notification.priority,
            notification.read ? 'yes' : '',
            formatTime(notification.created_at),
            notification.message,
          ]),
        ),
      );
    return notifications;
  }
}
