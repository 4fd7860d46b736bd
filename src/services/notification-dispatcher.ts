import type { NotificationRecord } from '../domain/alerting.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger, NotifierMessage } from '../plugins/contract.js';
import type { PluginRegistry } from '../plugins/plugin-registry.js';

/** Where messages go: a notifier plugin, its target, and which events and severities it takes. */
export interface NotificationRoute {
  notifier: string;
  target: Record<string, unknown>;
  /** Event names (`alert_triggered`, `training_completed`, …); all when absent. */
  events?: string[];
  /** The lowest severity sent (`info` < `low` < `medium` < `high` < `critical`). */
  min_severity?: NotifierMessage['severity'];
}

const SEVERITY_ORDER: NotifierMessage['severity'][] = ['info', 'low', 'medium', 'high', 'critical'];
const RETRY_DELAYS_MS = [1000, 3000];

/**
 * Sends each notification to the notifiers its routes name, as one structured message; a run's
 * messages thread together per route (Slack thread, Discord reply). One notifier failing never stops
 * the others.
 */
export class NotificationDispatcher {
  private readonly threads = new Map<string, string>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly deps: { registry: PluginRegistry; events: EventBus; logger: Logger; routes: readonly NotificationRoute[] },
  ) {
    deps.events.on('notification.created', ({ notification }) => {
      const sending = this.dispatch(notification).finally(() => this.inFlight.delete(sending));
      this.inFlight.add(sending);
    });
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

  async drain(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private async dispatch(notification: NotificationRecord): Promise<void> {
    const data = notification.data as { event?: string; severity?: NotifierMessage['severity']; session_id?: string | null };
    const event = data.event ?? notification.type;
    const severity = data.severity ?? 'info';
    await Promise.all(
      this.deps.routes.map(async (route, index) => {
        if (route.events && !route.events.includes(event)) return;
        if (SEVERITY_ORDER.indexOf(severity) < SEVERITY_ORDER.indexOf(route.min_severity ?? 'info')) return;
        const threadKey = data.session_id ? `${index}:${data.session_id}` : null;
        const message = toMessage(notification, event, severity, threadKey ? (this.threads.get(threadKey) ?? null) : null);
        const notifier = this.deps.registry.get('notifier', route.notifier);
        for (let attempt = 0; ; attempt++) {
          const result = await notifier.send(message, route.target).catch((error: Error) => ({ ok: false, detail: error.message, threadRef: undefined }));
          if (result.ok) {
            if (threadKey && result.threadRef) this.threads.set(threadKey, result.threadRef);
            return;
          }
          if (attempt >= RETRY_DELAYS_MS.length) {
            this.deps.logger.error('notification not delivered', { notifier: route.notifier, event, error: result.detail });
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
        }
      }),
    );
  }
}

function toMessage(notification: NotificationRecord, event: string, severity: NotifierMessage['severity'], threadRef: string | null): NotifierMessage {
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
  return { event, severity, title, summary: notification.message, fields, actions, runId, threadRef };
}

function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  return minutes < 1 ? `${Math.round(ms / 1000)} s` : minutes < 120 ? `${minutes} min` : `${(minutes / 60).toFixed(1)} h`;
}
