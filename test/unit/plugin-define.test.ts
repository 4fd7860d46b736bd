import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../../src/logging/logger.js';
import { createOutboundHttp } from '../../src/plugins/outbound-http.js';
import { PLUGIN_API_VERSION, defineNotifier, defineWebhook, type NotifierMessage } from '../../src/plugins/sdk.js';

const context = { logger: createLogger({ level: 'silent' }), http: createOutboundHttp({ allow: [] }) };
const message = {
  event: 'training_failed',
  severity: 'high',
  title: 't',
  summary: 's',
  fields: [],
  actions: [],
  runId: null,
  threadRef: null,
} satisfies NotifierMessage;

describe('define helpers of the plugin SDK', () => {
  it('fill in kind and API version, and refuse any settings when the plugin declares none', () => {
    const notifier = defineNotifier({ name: 'n', description: 'd', targetSchema: z.object({}), send: async () => ({ ok: true }) });
    expect(notifier).toMatchObject({ name: 'n', kind: 'notifier', apiVersion: PLUGIN_API_VERSION, description: 'd' });
    expect(notifier.configSchema.safeParse({}).success).toBe(true);
    expect(notifier.configSchema.safeParse({ token: 'x' }).success).toBe(false);
  });

  it('hand send and deliver the validated settings and the outbound client, and report what they throw', async () => {
    const seen: unknown[] = [];
    const notifier = defineNotifier({
      name: 'n',
      description: 'd',
      configSchema: z.object({ prefix: z.string() }),
      targetSchema: z.object({ to: z.string() }),
      async send(sent, target, { config, http }) {
        seen.push(config.prefix, target.to, typeof http.post);
        throw new Error(`${config.prefix}: ${sent.title} refused`);
      },
    });
    const instance = await notifier.create(context, { prefix: 'p' });
    expect(await instance.send(message, { to: '#ml' })).toEqual({ ok: false, detail: 'p: t refused' });
    expect(seen).toEqual(['p', '#ml', 'function']);

    const webhook = defineWebhook({
      name: 'w',
      description: 'd',
      deliver: (delivery, { http }) => http.post(delivery.url, { body: '{}' }).then(() => ({ ok: true })),
    });
    const refused = await (
      await webhook.create(context, {})
    ).deliver({ url: 'http://127.0.0.1:9/', secret: null, event: 'e', eventId: 'id', createdAt: '', payload: {} });
    expect(refused.ok).toBe(false);
    expect(refused.detail).toMatch(/loopback.*outbound_allow/);
  });
});
