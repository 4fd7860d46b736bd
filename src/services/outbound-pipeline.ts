import type { AlertRecord, AlertRuleRecord } from '../domain/alerting.js';
import type { Run, RunAnnouncement } from '../domain/run.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../plugins/contract.js';
import type { NotificationDispatcher } from './notification-dispatcher.js';
import type { NotificationService } from './notification-service.js';
import { fromAlertForWebhooks, fromAlertsResolved, fromAlertsTriggered, fromMetrics, fromRunEvent, type OutboundEvent } from './outbound-translator.js';
import type { WebhookService } from './webhook-service.js';

/**
 * Everything that leaves the agent goes through here: agent events are translated once
 * (outbound-translator) and handed to the inbox, the webhook outbox and the notifier outbox, whose
 * targets include the chat bots' run threads. Nothing is sent from here: the outboxes store first.
 */
export class OutboundPipeline {
  private readonly unsubscribe: (() => void)[] = [];
  private readonly progressPosted = new Map<string, number>();
  /** Events enter the outboxes one at a time, in the order the agent raised them: a thread's order is theirs. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      events: EventBus;
      inbox: NotificationService;
      webhooks: WebhookService;
      notifiers: NotificationDispatcher;
      findRun: (id: string) => Run | null;
      /** The run's lifecycle event is in the outboxes (RunLifecycle.announced). */
      announced: (runId: string, event: RunAnnouncement) => void;
      logger: Logger;
    },
  ) {
    const { events } = deps;
    const lifecycle = (kind: RunAnnouncement) => events.on(kind, ({ run }) => this.announce(kind, run));
    this.unsubscribe.push(
      lifecycle('run.queued'),
      lifecycle('run.started'),
      lifecycle('run.cancelled'),
      events.on('run.finished', ({ run }) => {
        this.progressPosted.delete(run.id);
        void this.announce('run.finished', run);
      }),
      events.on('run.metrics', ({ runId, records }) => {
        const run = deps.findRun(runId);
        const progress = run && fromMetrics(run, records, this.progressPosted.get(runId) ?? 0);
        if (!progress) return;
        this.progressPosted.set(runId, progress.milestone);
        this.publish(progress.event);
      }),
      events.on('alert.triggered', ({ alert, silenced }) => void (silenced || this.publish(fromAlertForWebhooks('alert.triggered', alert)))),
      events.on('alert.resolved', ({ alert, silenced }) => void (silenced || this.publish(fromAlertForWebhooks('alert.resolved', alert)))),
    );
  }

  /**
   * The lifecycle events runs recorded that an agent killed before they reached the outboxes never
   * announced, in order; the outboxes take each event once (by its id), so one that did reach them
   * before the kill is not sent twice.
   */
  async announceRecorded(runs: readonly Run[]): Promise<void> {
    for (const run of runs) for (const kind of run.unannounced ?? []) await this.announce(kind, run);
  }

  private async announce(kind: RunAnnouncement, run: Run): Promise<void> {
    await this.publish(fromRunEvent(kind, run));
    this.deps.announced(run.id, kind);
  }

  /** The alerts a rule raised in one evaluation, as one message (the alert service decides what is loud). */
  alertsTriggered(rule: Pick<AlertRuleRecord, 'rule_id' | 'name' | 'severity'>, alerts: readonly AlertRecord[]): Promise<void> {
    return this.publish(fromAlertsTriggered(rule, alerts));
  }

  alertsResolved(rule: Pick<AlertRuleRecord, 'rule_id' | 'name'>, alerts: readonly AlertRecord[]): Promise<void> {
    return this.publish(fromAlertsResolved(rule, alerts));
  }

  /** Stops following the bus and waits for the events already on their way into the outboxes. */
  async close(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    await this.chain;
  }

  /** Never rejects: a failed write (a full disk) is logged, and the other receivers still get the event. */
  private publish(event: OutboundEvent): Promise<void> {
    const { inbox, webhooks, notifiers, logger } = this.deps;
    const name = event.message?.event ?? event.webhook?.event;
    const step = (what: string, work: () => Promise<unknown>) =>
      work().catch((error: Error) => logger.error(`could not hand an event to the ${what}`, { event: name, error: error.message }));
    const work = async () => {
      let notificationId: string | null = null;
      if (event.inbox) {
        const { type, priority, text, data } = event.inbox;
        await step('inbox', async () => (notificationId = (await inbox.add(type, priority, text, data)).id));
      }
      await Promise.all([
        event.webhook && step('webhook outbox', () => webhooks.enqueue(event.webhook!.event, event.webhook!.payload, event.id)),
        event.message && step('notifier outbox', () => notifiers.enqueue(event.message!, notificationId)),
      ]);
    };
    this.chain = this.chain.then(work);
    return this.chain;
  }
}
