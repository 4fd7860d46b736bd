import { randomBytes } from 'node:crypto';
import type { NotificationPriority, NotificationRecord, NotificationType } from '../domain/alerting.js';
import type { Run } from '../domain/run.js';
import { notFound } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../logging/logger.js';
import type { AlertingStore } from '../store/alerting-store.js';

export interface NotificationQuery {
  type?: NotificationType;
  priority?: NotificationPriority;
  unread?: boolean;
}

/** The agent's own inbox (seed 001): what the dashboard shows; notifiers deliver the same messages out. */
export class NotificationService {
  constructor(
    private readonly store: AlertingStore,
    private readonly events: EventBus,
    private readonly logger: Logger,
  ) {
    // nobody awaits these: a failed write (a full disk, the data dir gone) is logged, not left unhandled
    const lifecycle = (run: Run, event: string, verb: string, priority: NotificationPriority): void => {
      this.add('training', priority, `Training session ${run.id} (${run.recipe}) ${verb}`, {
        event,
        severity: priority === 'high' ? 'high' : 'info',
        session_id: run.id,
        recipe: run.recipe,
        state: run.state,
        gpu_ids: run.gpu_ids,
        current_epoch: run.current_epoch,
        total_epochs: run.total_epochs,
        started_at: run.started_at,
        ended_at: run.ended_at,
        error_message: run.error_message,
      }).catch((error: Error) => this.logger.error('could not record a notification', { run: run.id, event, error: error.message }));
    };
    events.on('run.queued', ({ run }) => lifecycle(run, 'training_queued', 'queued', 'low'));
    events.on('run.started', ({ run }) => lifecycle(run, 'training_started', `started${run.gpu_ids.length ? ` on GPU ${run.gpu_ids.join(',')}` : ''}`, 'low'));
    events.on('run.finished', ({ run }) => {
      const event = run.state === 'completed' ? 'training_completed' : run.state === 'stopped' ? 'training_stopped' : 'training_failed';
      lifecycle(run, event, run.state === 'failed' ? `failed: ${run.error_message ?? 'unknown error'}` : run.state, run.state === 'failed' ? 'high' : 'medium');
    });
  }

  async add(type: NotificationType, priority: NotificationPriority, message: string, data: Record<string, unknown>): Promise<NotificationRecord> {
    const record: NotificationRecord = { id: `notif_${randomBytes(6).toString('hex')}`, type, priority, message, data, read: false, created_at: new Date().toISOString() };
    this.store.data.notifications.push(record);
    await this.store.save();
    this.events.emit('notification.created', { notification: record });
    return record;
  }

  /** Newest first. */
  list(query: NotificationQuery): NotificationRecord[] {
    return this.store.data.notifications
      .filter((record) => (!query.type || record.type === query.type) && (!query.priority || record.priority === query.priority) && (query.unread === undefined || record.read === !query.unread))
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
