import { z } from 'zod';
import { ALERT_STATUSES, NOTIFICATION_PRIORITIES, NOTIFICATION_TYPES, SEVERITIES } from '../../domain/alerting.js';
import { WEBHOOK_EVENTS } from '../../domain/webhooks.js';
import { DeliveryAttempt, DeliveryStatus, jsonObject, nullableTime, time } from './wire-types.js';

/** Alerts, alert rules, silences, the notification inbox, notifier deliveries and webhooks, as served. */

const Severity = z.enum(SEVERITIES);

export const Alert = z
  .strictObject({
    alert_id: z.string(),
    rule_id: z.string(),
    rule_name: z.string(),
    key: z.string().describe('What the alert is about within its rule: `gpu:1`, `run:sess_…`, `system`'),
    severity: Severity,
    message: z.string(),
    value: z.number().nullable(),
    threshold: z.number().nullable(),
    run_id: z.string().nullable(),
    status: z.enum(ALERT_STATUSES).describe('Seed 001: active → acknowledged → resolved'),
    triggered_at: time,
    acknowledged_at: nullableTime,
    acknowledged_by: z.string().nullable(),
    notes: z.string().nullable(),
    resolved_at: nullableTime,
    last_notified_at: nullableTime,
    notifications_sent: z.number().int(),
  })
  .meta({ id: 'Alert', description: "Seed 001's alert, with its rule, the reading that fired it and how often it was sent" });

export const AlertRule = z
  .strictObject({
    rule_id: z.string(),
    name: z.string(),
    type: z.string().describe('The alert-rule plugin that evaluates it (threshold, gpu_temperature, …)'),
    params: jsonObject.describe("The rule plugin's parameters (a threshold rule: metric, condition, threshold, resolve_threshold)"),
    severity: Severity,
    enabled: z.boolean(),
    for_seconds: z.number().describe('How long the condition must hold before an alert fires'),
    repeat_interval_seconds: z.number().describe('How often an unacknowledged alert is sent again while it lasts'),
    source: z.enum(['config', 'api']).describe('Rules from the config file are deleted there, not through the API'),
    created_at: time,
  })
  .meta({ id: 'AlertRule' });

export const Silence = z
  .strictObject({
    silence_id: z.string(),
    rule_id: z.string().nullable(),
    run_id: z.string().nullable(),
    until: time,
    reason: z.string().nullable(),
    created_by: z.string().nullable(),
    created_at: time,
  })
  .meta({ id: 'Silence' });

export const Notification = z
  .strictObject({
    id: z.string(),
    type: z.enum(NOTIFICATION_TYPES),
    priority: z.enum(NOTIFICATION_PRIORITIES),
    message: z.string(),
    data: jsonObject,
    read: z.boolean(),
    created_at: time,
  })
  .meta({ id: 'Notification', description: "Seed 001's notification" });

const OutboxMessage = z.strictObject({
  event: z.string(),
  severity: z.enum(['info', 'low', 'medium', 'high', 'critical']),
  title: z.string(),
  summary: z.string(),
  fields: z.array(z.strictObject({ name: z.string(), value: z.string() })),
  actions: z.array(
    z.strictObject({
      label: z.string(),
      command: z.string(),
      button: z
        .strictObject({ action: z.enum(['stop', 'silence', 'ack']), value: z.string() })
        .optional()
        .describe("The chat bots' button for it"),
    }),
  ),
  runId: z.string().nullable(),
  threadOnly: z.boolean().optional().describe("Only for the thread of the run's own chat conversation (progress messages)"),
  key: z.string().optional().describe('The same key is sent to a target once, even when the event is seen again after a restart'),
});

export const NotifierDelivery = z
  .strictObject({
    delivery_id: z.string(),
    notification_id: z.string().nullable().describe('The inbox notification it tells about; null for messages the inbox does not keep (progress)'),
    notifier: z.string().describe('The notifier plugin (slack, discord, webhook, log, …), or chat:slack / chat:discord for a chat bot'),
    target: jsonObject.describe('Where it goes; URLs are shown in full to admin keys only (scheme://host/… otherwise)'),
    message: OutboxMessage,
    thread_key: z.string().nullable().describe('Messages of one run to one target share a thread; null for messages about no run'),
    status: DeliveryStatus,
    attempts: z.array(DeliveryAttempt),
    next_attempt_at: nullableTime,
    created_at: time,
    delivered_at: nullableTime,
  })
  .meta({ id: 'NotifierDelivery' });

export const Webhook = z
  .strictObject({
    webhook_id: z.string(),
    url: z.string().describe('In full for admin keys only (it may carry a token): scheme://host/… otherwise'),
    events: z.array(z.enum(WEBHOOK_EVENTS)),
    created_at: time,
    status: z.literal('active'),
    signed: z.boolean().describe('Deliveries carry an HMAC-SHA256 signature (a secret was given; it is never returned)'),
  })
  .meta({ id: 'Webhook', description: "Seed 001's webhook, without its secret" });

export const WebhookDelivery = z
  .strictObject({
    delivery_id: z.string(),
    webhook_id: z.string(),
    event_id: z.string().describe('The same for every delivery of one event: receivers drop duplicates by it'),
    event: z.enum(WEBHOOK_EVENTS),
    payload: jsonObject,
    status: DeliveryStatus,
    attempts: z.array(DeliveryAttempt),
    next_attempt_at: nullableTime,
    created_at: time,
    delivered_at: nullableTime,
  })
  .meta({ id: 'WebhookDelivery' });

export const WebhookTestResult = z
  .strictObject({ success: z.boolean(), status_code: z.number().int().nullable(), response_time_ms: z.number().int(), error: z.string().nullable() })
  .meta({ id: 'WebhookTestResult', description: "Seed 001's webhook test: one signed `webhook_test` delivery, not retried" });

export const AlertList = z.strictObject({ alerts: z.array(Alert) }).meta({ id: 'AlertList' });
export const AlertRuleList = z.strictObject({ rules: z.array(AlertRule) }).meta({ id: 'AlertRuleList' });
export const SilenceList = z.strictObject({ silences: z.array(Silence) }).meta({ id: 'SilenceList' });
export const NotificationList = z.strictObject({ notifications: z.array(Notification) }).meta({ id: 'NotificationList' });
export const NotifierDeliveryList = z.strictObject({ deliveries: z.array(NotifierDelivery) }).meta({ id: 'NotifierDeliveryList' });
export const WebhookList = z.strictObject({ webhooks: z.array(Webhook) }).meta({ id: 'WebhookList' });
export const WebhookDeliveryList = z.strictObject({ deliveries: z.array(WebhookDelivery) }).meta({ id: 'WebhookDeliveryList' });
