import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';
import { startWebhookReceiver } from '../stand-ins/webhook-receiver.js';

describe('webhooks', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent();
  });
  afterAll(async () => {
    await t.close();
  });

  it('delivers signed run events, and shows the delivery history', async () => {
    const receiver = await startWebhookReceiver({ secret: 'sup3r-secret' });
    try {
      const created = await t.api('POST', '/api/v1/webhooks', {
        url: receiver.url,
        events: ['training_started', 'training_completed'],
        secret: 'sup3r-secret',
      });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        webhook_id: expect.stringMatching(/^webhook_/),
        url: receiver.url,
        events: ['training_started', 'training_completed'],
        created_at: expect.any(String),
        status: 'active',
        signed: true,
      });
      const id = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 2, interval_ms: 5 }, start: true })).body.session_id;
      await waitForState(t.api, id, ['completed']);
      await waitFor(() => receiver.received.length >= 2, 'two deliveries');
      expect(receiver.received.map((event) => event.event)).toEqual(['training_started', 'training_completed']);
      expect(receiver.received.every((event) => event.signatureValid)).toBe(true);
      expect(receiver.received[1]!.body).toMatchObject({
        event: 'training_completed',
        event_id: receiver.received[1]!.eventId,
        data: { session_id: id, state: 'completed', exit_code: 0 },
      });

      const deliveries = (await t.api('GET', `/api/v1/webhooks/${created.body.webhook_id}/deliveries`)).body.deliveries;
      expect(deliveries.map((delivery: { status: string }) => delivery.status)).toEqual(['delivered', 'delivered']);
      const test = await t.api('POST', `/api/v1/webhooks/${created.body.webhook_id}/test`);
      expect(test.body).toEqual({ success: true, status_code: 200, response_time_ms: expect.any(Number), error: null });
      expect(receiver.received.at(-1)).toMatchObject({ event: 'webhook_test', signatureValid: true });
      expect(JSON.stringify((await t.api('GET', '/api/v1/webhooks')).body)).not.toContain('sup3r-secret');
      await t.api('DELETE', `/api/v1/webhooks/${created.body.webhook_id}`);
    } finally {
      await receiver.close();
    }
  });

  it('validates webhook bodies', async () => {
    for (const body of [
      { url: 'ftp://x.example/h', events: ['training_started'] },
      { url: 'not a url', events: ['training_started'] },
      { url: 'http://127.0.0.1:9/h', events: [] },
      { url: 'http://127.0.0.1:9/h', events: ['training_exploded'] },
      { url: 'http://127.0.0.1:9/h', events: ['training_started'], secret: 'short' },
    ]) {
      expect((await t.api('POST', '/api/v1/webhooks', body)).status, JSON.stringify(body)).toBe(422);
    }
    expect((await t.api('POST', '/api/v1/webhooks/webhook_nope/test')).status).toBe(404);
    expect((await t.api('DELETE', '/api/v1/webhooks/webhook_nope')).status).toBe(404);
  });
});

describe('the webhook outbox across a restart', () => {
  it('a receiver down for the first attempts, with an agent restart in between, still gets every event exactly once', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'trainer-outbox-'));
    const receiver = await startWebhookReceiver({ secret: 'outbox-secret', failFirst: 3 });
    try {
      let t = await startTestAgent({ dataDir });
      await t.api('POST', '/api/v1/webhooks', {
        url: receiver.url,
        events: ['training_queued', 'training_started', 'training_completed'],
        secret: 'outbox-secret',
      });
      const id = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 1, interval_ms: 5 }, start: true })).body.session_id;
      await waitForState(t.api, id, ['completed']);
      await waitFor(() => receiver.requests() >= 3, 'the refused attempts');
      await t.close();

      t = await startTestAgent({ dataDir });
      try {
        await waitFor(() => receiver.received.length >= 3, 'all three events after the restart', 30_000);
        await new Promise((resolve) => setTimeout(resolve, 1500));
        expect(receiver.received.map((event) => event.event).sort()).toEqual(['training_completed', 'training_queued', 'training_started']);
        expect(new Set(receiver.received.map((event) => event.eventId)).size).toBe(3);
        expect(receiver.received.every((event) => event.signatureValid)).toBe(true);
      } finally {
        await t.close();
      }
    } finally {
      await receiver.close();
      await removeDir(dataDir);
    }
  });
});
