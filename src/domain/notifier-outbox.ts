import type { OutboundSeverity } from './alerting.js';
import type { DeliveryAttempt } from './webhooks.js';

/** Something a person can do about a message: a command to run, and the chat button that does the same. */
export interface OutboundAction {
  label: string;
  command: string;
  /** The chat bots' button for it (`stop`, `silence`, `ack` and the value they act on). */
  button?: { action: 'stop' | 'silence' | 'ack'; value: string };
}

/** A structured message for people (what the plugin contract's NotifierMessage holds besides its thread). */
export interface OutboxMessage {
  event: string;
  severity: OutboundSeverity;
  title: string;
  summary: string;
  fields: { name: string; value: string }[];
  actions: OutboundAction[];
  runId: string | null;
  /** Only for the thread of the run's own chat conversation (progress), not for channels and routes. */
  threadOnly?: boolean;
  /** The same key is sent to a target once, even when the event is seen again after a restart. */
  key?: string;
}

/**
 * One message to one notifier target, kept until it is delivered or given up: the target is copied in,
 * so that a delivery still goes where it was meant after a restart with another configuration.
 */
export interface NotifierDeliveryRecord {
  delivery_id: string;
  /** The inbox notification it tells about; null for messages the inbox does not keep (progress). */
  notification_id: string | null;
  notifier: string;
  target: Record<string, unknown>;
  message: OutboxMessage;
  /** Messages of one run to one target share a thread; null for messages about no run. */
  thread_key: string | null;
  status: 'pending' | 'delivered' | 'failed';
  attempts: DeliveryAttempt[];
  next_attempt_at: string | null;
  created_at: string;
  delivered_at: string | null;
}

export const threadKeyOf = (notifier: string, target: Record<string, unknown>, runId: string | null): string | null =>
  runId === null ? null : `${notifier}|${JSON.stringify(target, Object.keys(target).sort())}|${runId}`;

/**
 * The pending deliveries that may be tried now: due, not already in flight, and the oldest pending
 * one of their thread (a run's first message makes the thread that later ones reply in, so they
 * wait for it, and a thread's messages arrive in order).
 */
export function deliverableNow(deliveries: readonly NotifierDeliveryRecord[], now: number, inFlight: ReadonlySet<string>): NotifierDeliveryRecord[] {
  const threadsTaken = new Set<string>();
  const ready: NotifierDeliveryRecord[] = [];
  for (const delivery of deliveries) {
    if (delivery.status !== 'pending') continue;
    if (delivery.thread_key !== null) {
      if (threadsTaken.has(delivery.thread_key)) continue;
      threadsTaken.add(delivery.thread_key);
    }
    if (inFlight.has(delivery.delivery_id)) continue;
    if (Date.parse(delivery.next_attempt_at ?? delivery.created_at) <= now) ready.push(delivery);
  }
  return ready;
}
