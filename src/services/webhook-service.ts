import { randomBytes, randomUUID } from 'node:crypto';
import { nextAttemptAt, type DeliveryRecord, type WebhookEventName, type WebhookRecord } from '../domain/webhooks.js';
import { notFound } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { PluginRegistry } from '../plugins/plugin-registry.js';
import type { OutboundHttp } from '../plugins/outbound-http.js';
import type { WebhookStore } from '../store/webhook-store.js';

const DELIVERER = 'http-json';

/**
 * Webhooks (seed 001) with a persistent outbox: every event is stored for each subscribed webhook
 * before it is sent, sent at once, and retried with exponential backoff and jitter for up to 24 h,
 * across agent restarts. Each event has one id for all its deliveries, for receivers' idempotency.
 */
export class WebhookService {
  private inFlight = new Set<string>();
  private closed = false;

  constructor(
    private readonly deps: { store: WebhookStore; registry: PluginRegistry; logger: Logger; random?: () => number; outbound?: Pick<OutboundHttp, 'check'> },
  ) {}

  async create(input: { url: string; events: WebhookEventName[]; secret?: string }): Promise<WebhookRecord> {
    // at registration (422 with the reason), and again at each delivery where the connection is made
    await this.deps.outbound?.check(input.url);
    const webhook: WebhookRecord = {
      webhook_id: `webhook_${randomBytes(6).toString('hex')}`,
      url: input.url,
      events: [...new Set(input.events)],
      secret: input.secret ?? null,
      created_at: new Date().toISOString(),
      status: 'active',
    };
    this.deps.store.data.webhooks.push(webhook);
    await this.deps.store.save();
    return webhook;
  }

  list(): WebhookRecord[] {
    return [...this.deps.store.data.webhooks];
  }

  get(webhookId: string): WebhookRecord {
    const webhook = this.deps.store.data.webhooks.find((candidate) => candidate.webhook_id === webhookId);
    if (!webhook) throw notFound(`Webhook '${webhookId}' not found`);
    return webhook;
  }

  async delete(webhookId: string): Promise<void> {
    this.get(webhookId);
    const { data } = this.deps.store;
    data.webhooks = data.webhooks.filter((webhook) => webhook.webhook_id !== webhookId);
    for (const delivery of data.deliveries)
      if (delivery.webhook_id === webhookId && delivery.status === 'pending') Object.assign(delivery, { status: 'failed', next_attempt_at: null });
    await this.deps.store.save();
  }

  deliveries(webhookId: string): DeliveryRecord[] {
    this.get(webhookId);
    return this.deps.store.data.deliveries.filter((delivery) => delivery.webhook_id === webhookId).reverse();
  }

  /** Seed 001's test: one signed `webhook_test` delivery now, not retried. */
  async test(webhookId: string): Promise<{ success: boolean; status_code: number | null; response_time_ms: number; error: string | null }> {
    const webhook = this.get(webhookId);
    const started = performance.now();
    const result = await this.deps.registry.get('webhook', DELIVERER).deliver({
      url: webhook.url,
      secret: webhook.secret,
      event: 'webhook_test',
      eventId: randomUUID(),
      createdAt: new Date().toISOString(),
      payload: { webhook_id: webhookId },
    });
    return {
      success: result.ok,
      status_code: result.status ?? null,
      response_time_ms: Math.round(performance.now() - started),
      error: result.ok ? null : (result.detail ?? null),
    };
  }

  /** Sends every pending delivery whose time has come; node-cron calls this every second. */
  async retryDue(now = Date.now()): Promise<void> {
    const due = this.deps.store.data.deliveries.filter(
      (delivery) =>
        delivery.status === 'pending' && !this.inFlight.has(delivery.delivery_id) && Date.parse(delivery.next_attempt_at ?? delivery.created_at) <= now,
    );
    await Promise.all(due.map((delivery) => this.attempt(delivery)));
  }

  close(): void {
    this.closed = true;
  }

  /**
   * Stores the event for each webhook subscribed to it, then sends (the outbound pipeline calls this).
   * An event with an id of its own that is in the outbox already (announced again after a restart) is not stored twice.
   */
  async enqueue(event: WebhookEventName, payload: Record<string, unknown>, ownId?: string): Promise<void> {
    const targets = this.deps.store.data.webhooks.filter((webhook) => webhook.events.includes(event));
    if (targets.length === 0) return;
    if (ownId !== undefined && this.deps.store.data.deliveries.some((delivery) => delivery.event_id === ownId)) return;
    const eventId = ownId ?? randomUUID();
    const createdAt = new Date().toISOString();
    const deliveries: DeliveryRecord[] = targets.map((webhook) => ({
      delivery_id: `delivery_${randomBytes(6).toString('hex')}`,
      webhook_id: webhook.webhook_id,
      event_id: eventId,
      event,
      payload,
      status: 'pending',
      attempts: [],
      next_attempt_at: createdAt,
      created_at: createdAt,
      delivered_at: null,
    }));
    this.deps.store.data.deliveries.push(...deliveries);
    await this.deps.store.save(); // in the outbox before the first try: a crash now loses nothing
    await Promise.all(deliveries.map((delivery) => this.attempt(delivery)));
  }

  private async attempt(delivery: DeliveryRecord): Promise<void> {
    if (this.closed || this.inFlight.has(delivery.delivery_id)) return;
    const webhook = this.deps.store.data.webhooks.find((candidate) => candidate.webhook_id === delivery.webhook_id);
    if (!webhook) return;
    this.inFlight.add(delivery.delivery_id);
    try {
      const started = performance.now();
      const result = await this.deps.registry.get('webhook', DELIVERER).deliver({
        url: webhook.url,
        secret: webhook.secret,
        event: delivery.event,
        eventId: delivery.event_id,
        createdAt: delivery.created_at,
        payload: delivery.payload,
      });
      const at = new Date();
      delivery.attempts.push({
        at: at.toISOString(),
        status_code: result.status ?? null,
        error: result.ok ? null : (result.detail ?? 'failed'),
        duration_ms: Math.round(performance.now() - started),
      });
      if (result.ok) Object.assign(delivery, { status: 'delivered', delivered_at: at.toISOString(), next_attempt_at: null });
      else {
        const next = nextAttemptAt(delivery.created_at, delivery.attempts.length, at.getTime(), (this.deps.random ?? Math.random)());
        if (next === null) Object.assign(delivery, { status: 'failed', next_attempt_at: null });
        else delivery.next_attempt_at = next;
        this.deps.logger.warn('webhook delivery failed', {
          webhook: webhook.webhook_id,
          event: delivery.event,
          attempt: delivery.attempts.length,
          error: result.detail,
        });
      }
      if (!this.closed) await this.deps.store.save();
    } finally {
      this.inFlight.delete(delivery.delivery_id);
    }
  }
}
