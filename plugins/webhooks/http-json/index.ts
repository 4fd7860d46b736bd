import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { defineWebhook, httpDeliveryResult } from '../../../src/plugins/sdk.js';

const ConfigSchema = z.object({ timeout_ms: z.number().int().min(100).max(60_000).default(10_000) }).strict();

/**
 * Signs and POSTs an event as JSON. Headers: `X-Trainer-Event`, `X-Trainer-Event-Id` (idempotency),
 * `X-Trainer-Timestamp` (unix seconds), and `X-Trainer-Signature: sha256=<hex>` where the HMAC-SHA256
 * with the webhook's secret covers `<timestamp>.<raw body>`.
 */
export function signature(secret: string, timestamp: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export default defineWebhook({
  name: 'http-json',
  description: 'Signed JSON POST (HMAC-SHA256 over timestamp and body).',
  configSchema: ConfigSchema,
  async deliver(delivery, { config, http }) {
    const body = JSON.stringify({ event: delivery.event, event_id: delivery.eventId, created_at: delivery.createdAt, data: delivery.payload });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'trainer-webhooks/1',
      'x-trainer-event': delivery.event,
      'x-trainer-event-id': delivery.eventId,
      'x-trainer-timestamp': timestamp,
    };
    if (delivery.secret) headers['x-trainer-signature'] = signature(delivery.secret, timestamp, body);
    return httpDeliveryResult(await http.post(delivery.url, { headers, body, timeoutMs: config.timeout_ms }));
  },
});
