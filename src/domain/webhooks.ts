/** Seed 001's event names, as webhooks receive them. */
export const WEBHOOK_EVENTS = [
  'training_queued',
  'training_started',
  'training_completed',
  'training_failed',
  'training_stopped',
  'training_cancelled',
  'alert_triggered',
  'alert_resolved',
] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

export interface WebhookRecord {
  webhook_id: string;
  url: string;
  events: WebhookEventName[];
  /** Signs deliveries (HMAC-SHA256); kept to sign, never shown again. */
  secret: string | null;
  created_at: string;
  status: 'active';
}

export interface DeliveryAttempt {
  at: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

export interface DeliveryRecord {
  delivery_id: string;
  webhook_id: string;
  /** The same for every delivery of one event: receivers use it to drop duplicates. */
  event_id: string;
  event: WebhookEventName;
  payload: Record<string, unknown>;
  status: 'pending' | 'delivered' | 'failed';
  attempts: DeliveryAttempt[];
  next_attempt_at: string | null;
  created_at: string;
  delivered_at: string | null;
}

/** Exponential backoff with full jitter: 2 s, 4 s, 8 s … capped at an hour; `random` in [0, 1). */
export function retryDelayMs(attempt: number, random: number): number {
  const ceiling = Math.min(3_600_000, 2000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random * ceiling) / 2);
}

/** Deliveries are retried for up to a day after the event. */
export const RETRY_WINDOW_MS = 24 * 3600 * 1000;

/** After a failed attempt (the `attempt`-th, at `at` ms): when to try again, or null to give up, past the window. */
export function nextAttemptAt(createdAt: string, attempt: number, at: number, random: number): string | null {
  const next = at + retryDelayMs(attempt, random);
  return next - Date.parse(createdAt) > RETRY_WINDOW_MS ? null : new Date(next).toISOString();
}
