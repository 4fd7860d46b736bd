import { randomBytes } from 'node:crypto';
import { severityAtLeast, type OutboundSeverity } from '../domain/alerting.js';
import { deliverableNow, threadKeyOf, type NotifierDeliveryRecord, type OutboxMessage } from '../domain/notifier-outbox.js';
import type { RunOrigin } from '../domain/run.js';
import { nextAttemptAt } from '../domain/webhooks.js';
import type { NotifierMessage, NotifierResult } from '../plugins/contract.js';
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
  min_severity?: OutboundSeverity;
}

/**
 * A chat bot as a target: every message about a run started from its platform goes to that run's
 * conversation (thread); everything else to its default channel, if it has one.
 */
export interface ChatThreadRoute {
  platform: RunOrigin['platform'];
  defaultChannel: string | null;
}

/** Sends one message for a chat bot; `target` is `{channel, origin?}` (origin: the run's own conversation). */
export type ChatTransport = (message: NotifierMessage, target: { channel: string; origin?: boolean }) => Promise<NotifierResult>;

const chatNotifier = (platform: string) => `chat:${platform}`;

/**
 * Sends each notification to the notifiers its routes name, as one structured message, through a
 * persistent outbox: every delivery is stored before the first try and retried with exponential
 * backoff and jitter for up to 24 h, across agent restarts. A run's messages thread together per
 * target (Slack thread, Discord reply) and arrive in order. One notifier failing never stops the others.
 */
export class NotificationDispatcher {
  private readonly inFlight = new Set<string>();
  private readonly working = new Set<Promise<void>>();
  private readonly transports = new Map<string, ChatTransport>();
  private closed = false;

  constructor(
    private readonly deps: {
      registry: PluginRegistry;
      logger: Logger;
      routes: readonly NotificationRoute[];
      /** The chat bots configured: known from the start, so that messages for them wait while a bot connects. */
      chatThreads: readonly ChatThreadRoute[];
      store: NotifierOutboxStore;
      /** Where in chat a run was started, if it was. */
      originOf: (runId: string) => RunOrigin | null;
      random?: () => number;
    },
  ) {}

  /**
   * A chat bot that can post now: its messages are sent from here on, the ones that waited first (in
   * order, at once rather than after their backoff). Answers the function that detaches it.
   */
  attachChat(platform: RunOrigin['platform'], transport: ChatTransport): () => void {
    const name = chatNotifier(platform);
    this.transports.set(name, transport);
    this.retryNow(name);
    return () => {
      if (this.transports.get(name) === transport) this.transports.delete(name);
    };
  }

  /** The platform is reachable again: its pending messages need not wait for their backoff. */
  retryNow(name: string): void {
    const now = new Date().toISOString();
    for (const delivery of this.deps.store.data.deliveries) if (delivery.status === 'pending' && delivery.notifier === name) delivery.next_attempt_at = now;
    this.track(this.retryDue());
  }

  /** Validates every route's notifier and target at start-up: a bad route stops the agent with a clear error. */
  static validateRoutes(registry: PluginRegistry, routes: readonly NotificationRoute[]): string[] {
    const problems: string[] = [];
    routes.forEach((route, index) => {
      if (!registry.has('notifier', route.notifier)) problems.push(`notification_routes[${index}]: unknown notifier '${route.notifier}'`);
      else {
        const parsed = registry.get('notifier', route.notifier).targetSchema.safeParse(route.target);
        if (!parsed.success)
          problems.push(
            `notification_routes[${index}].target: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(target)'}: ${issue.message}`).join('; ')}`,
          );
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

  /**
   * Stores the message for every target it goes to (routes by event and severity; chat bots by where
   * the run was started) and starts sending in the background; resolves once it is stored.
   */
  async enqueue(message: OutboxMessage, notificationId: string | null): Promise<void> {
    if (this.closed) return;
    const targets = this.targetsOf(message).filter(({ notifier, target }) => !message.key || !this.alreadyHas(notifier, target, message.key));
    if (targets.length === 0) return;
    const createdAt = new Date().toISOString();
    const deliveries: NotifierDeliveryRecord[] = targets.map(({ notifier, target }) => ({
      delivery_id: `ndelivery_${randomBytes(6).toString('hex')}`,
      notification_id: notificationId,
      notifier,
      target,
      message,
      thread_key: threadKeyOf(notifier, target, message.runId),
      status: 'pending',
      attempts: [],
      next_attempt_at: createdAt,
      created_at: createdAt,
      delivered_at: null,
    }));
    this.deps.store.data.deliveries.push(...deliveries);
    await this.deps.store.save(); // in the outbox before the first try: a crash now loses nothing
    this.track(this.retryDue());
  }

  private targetsOf(message: OutboxMessage): { notifier: string; target: Record<string, unknown> }[] {
    const origin = message.runId ? this.deps.originOf(message.runId) : null;
    const targets: { notifier: string; target: Record<string, unknown> }[] = [];
    for (const chat of this.deps.chatThreads) {
      if (origin?.platform === chat.platform) targets.push({ notifier: chatNotifier(chat.platform), target: { channel: origin.channel, origin: true } });
      else if (chat.defaultChannel && !message.threadOnly) targets.push({ notifier: chatNotifier(chat.platform), target: { channel: chat.defaultChannel } });
    }
    if (message.threadOnly) return targets;
    for (const route of this.deps.routes) {
      if ((!route.events || route.events.includes(message.event)) && severityAtLeast(message.severity, route.min_severity ?? 'info'))
        targets.push({ notifier: route.notifier, target: route.target });
    }
    return targets;
  }

  /** A message with this key went to this target already (an event seen again after a restart). */
  private alreadyHas(notifier: string, target: Record<string, unknown>, key: string): boolean {
    const targetText = JSON.stringify(target);
    return this.deps.store.data.deliveries.some(
      (delivery) => delivery.message.key === key && delivery.notifier === notifier && JSON.stringify(delivery.target) === targetText,
    );
  }

  private async attempt(delivery: NotifierDeliveryRecord): Promise<void> {
    if (this.closed || this.inFlight.has(delivery.delivery_id)) return;
    const transport = this.transports.get(delivery.notifier);
    const chatConfigured = this.deps.chatThreads.some((chat) => chatNotifier(chat.platform) === delivery.notifier);
    // a configured chat bot not connected yet (or any more): its messages wait for it, without spending tries
    if (chatConfigured && !transport) return;
    this.inFlight.add(delivery.delivery_id);
    const { threads } = this.deps.store.data;
    let delivered = false;
    try {
      const started = performance.now();
      const threadRef = delivery.thread_key ? (threads[delivery.thread_key] ?? null) : null;
      const failed = (detail: string): NotifierResult => ({ ok: false, detail });
      const send =
        transport ??
        (this.deps.registry.has('notifier', delivery.notifier)
          ? (message: NotifierMessage, target: never) => this.deps.registry.get('notifier', delivery.notifier).send(forPlugins(message), target)
          : null);
      const result: NotifierResult = send
        ? await send({ ...delivery.message, threadRef }, delivery.target as never).catch((error: Error) => failed(error.message))
        : failed(`notifier '${delivery.notifier}' is not ${delivery.notifier.startsWith('chat:') ? 'configured' : 'installed'} any more`);
      const at = new Date();
      delivery.attempts.push({
        at: at.toISOString(),
        status_code: result.status ?? null,
        error: result.ok ? null : (result.detail ?? 'failed'),
        duration_ms: Math.round(performance.now() - started),
      });
      if (result.ok) {
        delivered = true;
        Object.assign(delivery, { status: 'delivered', delivered_at: at.toISOString(), next_attempt_at: null });
        if (delivery.thread_key && result.threadRef && !threads[delivery.thread_key]) threads[delivery.thread_key] = result.threadRef;
      } else {
        const next = nextAttemptAt(delivery.created_at, delivery.attempts.length, at.getTime(), (this.deps.random ?? Math.random)());
        const givingUp = next === null;
        if (givingUp) Object.assign(delivery, { status: 'failed', next_attempt_at: null });
        else delivery.next_attempt_at = next;
        this.deps.logger[givingUp ? 'error' : 'warn'](givingUp ? 'notification not delivered: gave up' : 'notification delivery failed: will retry', {
          notifier: delivery.notifier,
          event: delivery.message.event,
          attempt: delivery.attempts.length,
          error: result.detail,
        });
      }
      if (!this.closed) await this.deps.store.save();
    } finally {
      this.inFlight.delete(delivery.delivery_id);
    }
    // the next message of the thread waited for this one
    if (delivered && delivery.thread_key) await this.retryDue();
  }
}

/** A plugin gets the contract's message: the outbox's own keys and the chat bots' buttons stay inside. */
function forPlugins(message: NotifierMessage): NotifierMessage {
  const { key: _key, threadOnly: _threadOnly, ...rest } = message;
  return { ...rest, actions: message.actions.map(({ label, command }) => ({ label, command })) };
}
