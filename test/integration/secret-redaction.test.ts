import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, request, startTestAgent, waitFor, type TestAgent } from '../helpers/agent-harness.js';

const SLACK_HOOK = 'http://127.0.0.1:9/services/T000/B000/XXXXsecretTOKEN';
const WEBHOOK = 'http://user:pa55word@127.0.0.1:9/hook?token=abc123';

/** Issue 14 finding 11: read keys saw Slack incoming-webhook tokens and webhook credentials. */
describe('secrets below admin', () => {
  let t: TestAgent;
  let dir: string;
  const keys: Record<string, string> = {};
  const as = (scope: string, path: string) => request(t.url, 'GET', path, undefined, { authorization: `Bearer ${keys[scope]}` });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trainer-redact-'));
    const configFile = join(dir, 'trainer.yaml');
    await writeFile(configFile, `notification_routes:\n  - notifier: slack\n    target: { webhook_url: "${SLACK_HOOK}" }\n`);
    t = await startTestAgent({ env: { TRAINER_CONFIG: configFile } });
    for (const scope of ['read', 'write']) keys[scope] = (await t.api('POST', '/api/v1/keys', { name: `redact-${scope}`, scope })).body.key;
    keys.admin = 'test-key-1';
    expect((await t.api('POST', '/api/v1/webhooks', { url: WEBHOOK, events: ['training_started'] })).status).toBe(201);
    await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 1, interval_ms: 5 }, start: true });
    await waitFor(async () => (await t.api('GET', '/api/v1/notifications/deliveries')).body.deliveries.length > 0, 'a notifier delivery');
  });
  afterAll(async () => {
    await t?.close();
    await removeDir(dir);
  });

  it('read and write keys see webhook URLs and notifier targets as scheme://host/… only', async () => {
    for (const scope of ['read', 'write']) {
      const webhooks = await as(scope, '/api/v1/webhooks');
      expect(webhooks.status).toBe(200);
      expect(webhooks.body.webhooks[0].url).toBe('http://127.0.0.1:9/…');
      const deliveries = await as(scope, '/api/v1/notifications/deliveries');
      expect(deliveries.body.deliveries[0].target).toEqual({ webhook_url: 'http://127.0.0.1:9/…' });
      const text = JSON.stringify([webhooks.body, deliveries.body]);
      for (const secret of ['XXXXsecretTOKEN', 'pa55word', 'abc123', 'user:']) expect(text, `${scope}: ${secret}`).not.toContain(secret);
    }
  });

  it('an admin key sees them in full', async () => {
    expect((await as('admin', '/api/v1/webhooks')).body.webhooks[0].url).toBe(WEBHOOK);
    expect((await as('admin', '/api/v1/notifications/deliveries')).body.deliveries[0].target).toEqual({ webhook_url: SLACK_HOOK });
  });
});
