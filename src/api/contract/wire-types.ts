import { z } from 'zod';

/** Building blocks the per-area contract modules share. */
export const time = z.string().describe('ISO 8601 time (UTC)');
export const nullableTime = time.nullable();
export const jsonObject = z.record(z.string(), z.unknown());

/** One try at sending a webhook or notifier message. */
export const DeliveryAttempt = z
  .strictObject({
    at: time,
    status_code: z.number().int().nullable().describe("The receiver's HTTP status; null when no answer came"),
    error: z.string().nullable(),
    duration_ms: z.number().int(),
  })
  .meta({ id: 'DeliveryAttempt' });

export const DeliveryStatus = z
  .enum(['pending', 'delivered', 'failed'])
  .describe('pending: waiting for its next try (next_attempt_at); failed: given up (the retry window passed, or its target was deleted)');
