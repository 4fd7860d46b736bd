import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, startTestAgent, waitFor, type TestAgent } from '../helpers/agent-harness.js';
import { startWebhookReceiver } from '../stand-ins/webhook-receiver.js';

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

describe('trainer alerts, rules, webhooks and notifications', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent({ env: { TRAINER_ALERT_EVAL_SECONDS: '1' } });
  });
  afterAll(async () => {
    await t.close();
  });
  const run = (...args: string[]) =>
    promisify(execFile)(process.execPath, [BIN, ...args], { env: { ...process.env, TRAINER_URL: t.url, TRAINER_API_KEY: API_KEY } });
  const json = async (...args: string[]) => JSON.parse((await run(...args, '--json')).stdout);

  it('adds a rule, sees its alert, acknowledges and silences, and reads the inbox', async () => {
    const rule = await json('rules', 'add', 'nan', '--type', 'nan-loss', '--severity', 'critical');
    expect(rule).toMatchObject({ name: 'nan', type: 'nan-loss', severity: 'critical' });
    expect((await run('rules', 'list')).stdout).toMatch(/nan\s+nan-loss\s+critical/);
    await expect(run('rules', 'add', 'bad', '--type', 'stalled', '-p', 'minutes=-1')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/Invalid parameters for a 'stalled' rule/),
    });
    await expect(run('rules', 'add', 'bad', '-p', 'metric')).rejects.toMatchObject({ code: 2 });

    const id = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'nan-loss', start: true })).body.session_id;
    const alert = await waitFor(async () => (await json('alerts', 'list', '--status', 'active'))[0], 'the alert');
    expect(alert).toMatchObject({ rule_name: 'nan', run_id: id });
    expect((await run('alerts', 'ack', alert.alert_id, '--by', 'me', '--notes', 'on it')).stdout).toMatch(/Acknowledged/);
    await expect(run('alerts', 'ack', alert.alert_id)).rejects.toMatchObject({ code: 5 });
    expect((await run('alerts', 'silence', '--run', id, '--for', '30m')).stdout).toMatch(new RegExp(`Silenced ${id} until`));
    await expect(run('alerts', 'silence', '--run', id, '--for', 'ever')).rejects.toMatchObject({ code: 2 });

    const inbox = await json('notifications', '--type', 'alert');
    expect(inbox[0].message).toMatch(/loss is NaN/);
    expect((await run('notifications', '--unread')).stdout).toMatch(/alert\s+high/);
    expect((await run('rules', 'rm', rule.rule_id)).stdout).toMatch(/deleted/);
    await t.api('POST', `/api/v1/training/${id}/stop`);
  });

  it('manages webhooks and tests them', async () => {
    const receiver = await startWebhookReceiver({ secret: 'cli-secret-1' });
    try {
      const webhook = await json('webhooks', 'add', receiver.url, '-e', 'training_completed', '--secret', 'cli-secret-1');
      expect((await run('webhooks', 'list')).stdout).toContain(receiver.url);
      expect((await run('webhooks', 'test', webhook.webhook_id)).stdout).toMatch(/Delivered: HTTP 200/);
      expect(receiver.received[0]).toMatchObject({ event: 'webhook_test', signatureValid: true });
      await expect(run('webhooks', 'add', 'ftp://example.com', '-e', 'training_completed')).rejects.toMatchObject({ code: 2 });
      expect((await run('webhooks', 'rm', webhook.webhook_id)).stdout).toMatch(/deleted/);
    } finally {
      await receiver.close();
    }
    const down = await json('webhooks', 'add', 'http://127.0.0.1:9/nothing', '-e', 'training_failed');
    await expect(run('webhooks', 'test', down.webhook_id)).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/did not accept the test event/) });
  });
});
