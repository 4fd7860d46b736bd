import { randomBytes } from 'node:crypto';
import type { NotificationRecord } from '../domain/alerting.js';
import { deliverableNow, threadKeyOf, type NotifierDeliveryRecord, type OutboxMessage } from '../domain/notifier-outbox.js';
import { nextAttemptAt } from '../domain/webhooks.js';
import type { EventBus } from '../events/event-bus.js';
import type { NotifierMessage } from '../plugins/contract.js';
import type { Logger } from '../logging/logger.js';
import type { PluginRegistry } from '../plugins/plugin-registry.js';
import type { NotifierOutboxStore } from '../store/notifier-outbox-store.js';

/** Where messages go: a notifier plugin, its target, and which events and severities it takes. */
export interface NotificationRoute {
  notifier: string;
  target: Record<string, unknown>;
  /** Event names (`alert_triggered`, `training_completed`, …); all when absent. */
  events?: string[];
  /** The lowest severity sent (`info` < `low` < `medium` < `high` < `critical`). */
  min_severity?: NotifierMessage['severity'];
  /** Leaves out messages about runs started from this chat platform: its bot reports those in the run's thread. */
  unless_started_from?: 'slack' | 'discord';
}

const SEVERITY_ORDER: NotifierMessage['severity'][] = ['info', 'low', 'medium', 'high', 'critical'];

/**
 * Sends each notification to the notifiers its routes name, as one structured message, through a
 * persistent outbox: every delivery is stored before the first try and retried with exponential
 * backoff and jitter for up to 24 h, across agent restarts. A run's messages thread together per
 * target (Slack thread, Discord reply) and arrive in order. One notifier failing never stops the others.
 */
export class NotificationDispatcher {
  private readonly inFlight = new Set<string>();
  private readonly working = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly deps: {
      registry: PluginRegistry;
      events: EventBus;
      logger: Logger;
      routes: readonly NotificationRoute[];
      store: NotifierOutboxStore;
      /** The chat platform a run was started from, if any. */
      originOf: (runId: string) => string | null;
      random?: () => number;
    },
  ) {
    deps.events.on('notification.created', ({ notification }) => this.track(this.enqueue(notification)));
  }

  /** Validates every route's notifier and target at start-up: a bad route stops the agent with a clear error. */
  static validateRoutes(registry: PluginRegistry, routes: readonly NotificationRoute[]): string[] {
    const problems: string[] = [];
    routes.forEach((route, index) => {
      if (!registry.has('notifier', route.notifier)) problems.push(`notification_routes[${index}]: unknown notifier '${route.notifier}'`);
      else {
        const parsed = registry.get('notifier', route.notifier).targetSchema.safeParse(route.target);
        if (!parsed.success) problems.push(`notification_routes[${index}].target: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(target)'}: ${issue.message}`).join('; ')}`);
      }
    });
    return problems;
  }

  /** The outbox and the recent history, newest first. */
  deliveries(query: { status?: NotifierDeliveryRecord['status']; limit: number }): NotifierDeliveryRecord[] {
    const matching = this.deps.store.data.deliveries.filter((delivery) => !query.status || delivery.status === query.status);
    return matching.slice(-query.limit).reverse();
  }

  /** Tries every pending delivery whose time has come; node-cron calls this every second. */
  async retryDue(now = Date.now()): Promise<void> {
    await Promise.all(deliverableNow(this.deps.store.data.deliveries, now, this.inFlight).map((delivery) => this.attempt(delivery)));
  }

  /** Waits for the sends in progress; the agent calls this, then `close()`, when it shuts down. */
  async drain(): Promise<void> {
    while (this.working.size > 0) await Promise.all([...this.working]);
  }

  close(): void {
    this.closed = true;
  }

  private track(work: Promise<void>): void {
    const tracked = work
      .catch((error: Error) => this.deps.logger.error('notification delivery failed', { error: error.message }))
      .finally(() => this.working.delete(tracked));
    this.working.add(tracked);
  }

  private async enqueue(notification: NotificationRecord): Promise<void> {
    const data = notification.data as { event?: string; severity?: NotifierMessage['severity']; session_id?: string | null };
    const event = data.event ?? notification.type;
    const severity = data.severity ?? 'info';
    const origin = typeof data.session_id === 'string' ? this.deps.originOf(data.session_id) : null;
    const routes = this.deps.routes.filter(
      (route) =>
        (!route.events || route.events.includes(event)) &&
        SEVERITY_ORDER.indexOf(severity) >= SEVERITY_ORDER.indexOf(route.min_severity ?? 'info') &&
        (!route.unless_started_from || route.unless_started_from !== origin),
    );
    if (routes.length === 0 || this.closed) return;
    const message = toMessage(notification, event, severity);
    const createdAt = new Date().toISOString();
    const deliveries: NotifierDeliveryRecord[] = routes.map((route) => ({
      delivery_id: `ndelivery_${randomBytes(6).toString('hex')}`,
      notification_id: notification.id,
      notifier: route.notifier,
      target: route.target,
      message,
      thread_key: threadKeyOf(route.notifier, route.target, message.runId),
      status: 'pending',
      attempts: [],
      next_attempt_at: createdAt,
      created_at: createdAt,
      delivered_at: null,
    }));
    this.deps.store.data.deliveries.push(...deliveries);
    await this.deps.store.save(); // in the outbox before the first try: a crash now loses nothing
    await this.retryDue();
  }

  private async attempt(delivery: NotifierDeliveryRecord): Promise<void> {
    if (this.closed || this.inFlight.has(delivery.delivery_id)) return;
    this.inFlight.add(delivery.delivery_id);
    const { threads } = this.deps.store.data;
    let delivered = false;
    try {
      const started = performance.now();
      const threadRef = delivery.thread_key ? (threads[delivery.thread_key] ?? null) : null;
      const result = this.deps.registry.has('notifier', delivery.notifier)
        ? await this.deps.registry
            .get('notifier', delivery.notifier)
            .send({ ...delivery.message, threadRef }, delivery.target)
            .catch((error: Error) => ({ ok: false, status: undefined, detail: error.message, threadRef: undefined }))
        : { ok: false, status: undefined, detail: `notifier '${delivery.notifier}' is not installed any more`, threadRef: undefined };
      const at = new Date();
      delivery.attempts.push({ at: at.toISOString(), status_code: result.status ?? null, error: result.ok ? null : (result.detail ?? 'failed'), duration_ms: Math.round(performance.now() - started) });
      if (result.ok) {
        delivered = true;
        Object.assign(delivery, { status: 'delivered', delivered_at: at.toISOString(), next_attempt_at: null });
        if (delivery.thread_key && result.threadRef && !threads[delivery.thread_key]) threads[delivery.thread_key] = result.threadRef;
      } else {
        const next = nextAttemptAt(delivery.created_at, delivery.attempts.length, at.getTime(), (this.deps.random ?? Math.random)());
        const givingUp = next === null;
        if (givingUp) Object.assign(delivery, { status: 'failed', next_attempt_at: null });
        else delivery.next_attempt_at = next;
        this.deps.logger[givingUp ? 'error' : 'warn'](givingUp ? 'notification not delivered: gave up' : 'notification delivery failed: will retry', { notifier: delivery.notifier, event: delivery.message.event, attempt: delivery.attempts.length, error: result.detail });
      }
      if (!this.closed) await this.deps.store.save();
    } finally {
      this.inFlight.delete(delivery.delivery_id);
    }
    // the next message of the thread waited for this one
    if (delivered && delivery.thread_key) await this.retryDue();
  }
}

function toMessage(notification: NotificationRecord, event: string, severity: NotifierMessage['severity']): OutboxMessage {
  const data = notification.data as Record<string, unknown>;
  const runId = typeof data.session_id === 'string' ? data.session_id : null;
  const fields: { name: string; value: string }[] = [];
  const add = (name: string, value: unknown) => value !== undefined && value !== null && value !== '' && fields.push({ name, value: Array.isArray(value) ? value.join(', ') : String(value) });
  add('Run', runId);
  add('Recipe', data.recipe);
  add('State', data.state);
  if (data.total_epochs) add('Epoch', `${data.current_epoch ?? 0}/${data.total_epochs}`);
  add('GPU', Array.isArray(data.gpu_ids) && data.gpu_ids.length ? data.gpu_ids : undefined);
  if (typeof data.started_at === 'string' && typeof data.ended_at === 'string') add('Duration', formatDuration(Date.parse(data.ended_at) - Date.parse(data.started_at)));
  add('Rule', data.rule_name);
  add('Error', data.error_message);
  const actions: NotifierMessage['actions'] = [];
  if (runId && (event === 'training_started' || event === 'alert_triggered')) actions.push({ label: 'Stop the run', command: `trainer run stop ${runId}` });
  if (event === 'alert_triggered' && Array.isArray(data.alert_ids)) for (const alertId of data.alert_ids.slice(0, 2)) actions.push({ label: 'Acknowledge', command: `trainer alerts ack ${alertId}` });
  const title = event.startsWith('alert') ? (event === 'alert_resolved' ? 'Alert resolved' : `Alert: ${String(data.rule_name ?? '')}`) : `Run ${runId ?? ''} ${String(data.state ?? '')}`.trim();
  return { event, severity, title, summary: notification.message, fields, actions, runId };
}

function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  return minutes < 1 ? `${Math.round(ms / 1000)} s` : minutes < 120 ? `${minutes} min` : `${(minutes / 60).toFixed(1)} h`;
}
