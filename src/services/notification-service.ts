import { randomBytes } from 'node:crypto';
import type { NotificationPriority, NotificationRecord, NotificationType } from '../domain/alerting.js';
import { notFound } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import type { AlertingStore } from '../store/alerting-store.js';

export interface NotificationQuery {
  type?: NotificationType;
  priority?: NotificationPriority;
  unread?: boolean;
}

/** The agent's own inbox (seed 001): what the dashboard shows; the outbound pipeline fills it. */
export class NotificationService {
  constructor(
    private readonly store: AlertingStore,
    private readonly events: EventBus,
  ) {}

  /** With `data.event_id`, an event already in the inbox is not added again (announced again after a restart): its record is returned. */
  async add(type: NotificationType, priority: NotificationPriority, message: string, data: Record<string, unknown>): Promise<NotificationRecord> {
    const eventId = data.event_id;
    const known = eventId === undefined ? undefined : this.store.data.notifications.find((record) => record.data.event_id === eventId);
    if (known) return known;
    const record: NotificationRecord = {
      id: `notif_${randomBytes(6).toString('hex')}`,
      type,
      priority,
      message,
      data,
      read: false,
      created_at: new Date().toISOString(),
    };
    this.store.data.notifications.push(record);
    await this.store.save();
    this.events.emit('notification.created', { notification: record });
    return record;
  }

  /** Newest first. */
  list(query: NotificationQuery): NotificationRecord[] {
    return this.store.data.notifications
      .filter(
        (record) =>
          (!query.type || record.type === query.type) &&
          (!query.priority || record.priority === query.priority) &&
          (query.unread === undefined || record.read === !query.unread),
      )
      .reverse();
  }

  async markRead(id: string): Promise<NotificationRecord> {
    const record = this.store.data.notifications.find((candidate) => candidate.id === id);
    if (!record) throw notFound(`Notification '${id}' not found`);
    record.read = true;
    await this.store.save();
    return record;
  }

  async clear(): Promise<number> {
    const count = this.store.data.notifications.length;
    this.store.data.notifications = [];
    await this.store.save();
    return count;
  }
}
