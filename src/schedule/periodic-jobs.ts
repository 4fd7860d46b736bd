import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../logging/logger.js';
import type { AlertService } from '../services/alert-service.js';
import type { NotificationDispatcher } from '../services/notification-dispatcher.js';
import type { WebhookService } from '../services/webhook-service.js';

/** node-cron drives the periodic work (rule evaluation, the webhook and notifier outboxes); nothing polls in a tight loop. */
export function startPeriodicJobs(deps: {
  alerts: AlertService;
  webhooks: WebhookService;
  notifiers: NotificationDispatcher;
  logger: Logger;
  alertEvalSeconds: number;
}): () => void {
  const tasks: ScheduledTask[] = [];
  const every = (seconds: number) =>
    seconds < 60 ? `*/${Math.max(1, Math.round(seconds))} * * * * *` : `0 */${Math.max(1, Math.round(seconds / 60))} * * * *`;
  tasks.push(
    cron.schedule(
      every(deps.alertEvalSeconds),
      () => {
        deps.alerts.evaluate().catch((error: Error) => deps.logger.error('alert evaluation failed', { error: error.message }));
      },
      { name: 'alert-evaluation', noOverlap: true },
    ),
  );
  tasks.push(
    cron.schedule(
      '* * * * * *',
      () => {
        deps.webhooks.retryDue().catch((error: Error) => deps.logger.error('webhook retries failed', { error: error.message }));
      },
      { name: 'webhook-outbox', noOverlap: true },
    ),
  );
  tasks.push(
    cron.schedule(
      '* * * * * *',
      () => {
        deps.notifiers.retryDue().catch((error: Error) => deps.logger.error('notifier retries failed', { error: error.message }));
      },
      { name: 'notifier-outbox', noOverlap: true },
    ),
  );
  // a tick missed while the process was busy is caught up by the next one: worth a debug line, not
  // node-cron's own warning on stdout
  for (const task of tasks) task.on('execution:missed', () => deps.logger.debug('periodic job missed a tick', { job: task.name }));
  return () => {
    for (const task of tasks) void task.stop();
  };
}
