import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, waitForState } from '../helpers/agent-harness.js';
import { AGENT_START_TIMEOUT_MS, killHard, spawnAgentProcess, stopGracefully, type AgentProcess } from '../helpers/agent-process.js';
import { startChatApis } from '../stand-ins/chat-apis.js';

// Notifier messages go through a persistent outbox: a platform outage and a kill -9 of the agent in
// the middle of it lose nothing, send nothing twice, and keep a run's messages threaded and in order.
// the first test starts two agent processes, each allowed AGENT_START_TIMEOUT_MS on a loaded machine
describe('notifier outbox', { timeout: 3 * AGENT_START_TIMEOUT_MS }, () => {
  let apis: Awaited<ReturnType<typeof startChatApis>>;
  let dataDir: string;
  let agent: AgentProcess | null = null;
  const env = () => ({ SLACK_BOT_TOKEN: 'xoxb-test', SLACK_API_URL: apis.slackApiUrl, SLACK_CHANNEL: 'C0TRAINING' });

  beforeAll(async () => {
    apis = await startChatApis();
    dataDir = await mkdtemp(join(tmpdir(), 'trainer-outbox-'));
  });
  afterAll(async () => {
    if (agent) await stopGracefully(agent);
    await apis.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('delivers every message once, threaded and in order, after an outage and a kill -9', async () => {
    apis.outage.down = true;
    agent = await spawnAgentProcess(dataDir, env());
    const id = (await agent.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 2, interval_ms: 5 }, start: true })).body
      .session_id as string;
    await waitForState(agent.api, id, ['completed']);
    // queued, started, completed: each tried at once and failed, now waiting in the outbox
    const pending = await waitFor(async () => {
      const { deliveries } = (await agent!.api('GET', '/api/v1/notifications/deliveries?status=pending')).body;
      return deliveries.length >= 3 && deliveries.some((delivery: { attempts: unknown[] }) => delivery.attempts.length > 0) ? deliveries : null;
    }, 'three pending deliveries, tried');
    // newest first: the run's first message was tried; the later ones wait for it, to thread under it
    const [newest, oldest] = [pending[0], pending.at(-1)];
    expect(oldest).toMatchObject({ notifier: 'slack', target: { channel: 'C0TRAINING' }, status: 'pending', message: { runId: id } });
    expect(oldest.attempts[0]).toMatchObject({ status_code: 503 });
    expect(newest.attempts).toEqual([]);
    expect(apis.slack.filter((call) => call.ts)).toEqual([]);
    // the API lists a delivery once it is in memory, a moment before it is saved: what a kill -9 must not
    // lose is what was saved, so the kill waits until all three are in notifier-outbox.json
    await waitFor(async () => {
      const saved = JSON.parse(await readFile(join(dataDir, 'notifier-outbox.json'), 'utf8').catch(() => '{}')) as { deliveries?: { status: string }[] };
      return (saved.deliveries ?? []).filter((delivery) => delivery.status === 'pending').length >= 3;
    }, 'three pending deliveries saved in notifier-outbox.json');

    await killHard(agent);
    apis.outage.down = false;
    agent = await spawnAgentProcess(dataDir, env());
    // the outbox retries on its backoff (2 s, 4 s, 8 s … with jitter): the more attempts the outage saw —
    // more on a slow machine — the later the next one. Wait until the last one due, and 30 s more.
    const due = (await agent.api('GET', '/api/v1/notifications/deliveries?status=pending')).body.deliveries.map(
      (delivery: { next_attempt_at: string | null }) => Date.parse(delivery.next_attempt_at ?? '') || Date.now(),
    );
    const window = Math.max(Date.now(), ...due) - Date.now() + 30_000;

    const delivered = () => apis.slack.filter((call) => call.ts && call.form.text?.includes(id));
    await waitFor(() => delivered().some((call) => call.form.text.includes('completed')), 'the completion message after the restart', window);
    await waitFor(
      async () => (await agent!.api('GET', '/api/v1/notifications/deliveries?status=pending')).body.deliveries.length === 0,
      'an empty outbox',
      window,
    );
    const [first, ...later] = delivered();
    expect(first!.form.text).toMatch(/queued/);
    expect(first!.form.thread_ts).toBeUndefined();
    expect(later.map((call) => /started|completed/.exec(call.form.text)?.[0])).toEqual(['started', 'completed']);
    for (const call of later) expect(call.form.thread_ts).toBe(first!.ts);
    const history = (await agent.api('GET', '/api/v1/notifications/deliveries?status=delivered&limit=10')).body.deliveries;
    expect(history.filter((delivery: { message: { runId: string } }) => delivery.message.runId === id)).toHaveLength(3);
  });

  it('refuses a bad query with a 4xx', async () => {
    for (const query of ['status=lost', 'limit=0', 'limit=x']) {
      const response = await agent!.api('GET', `/api/v1/notifications/deliveries?${query}`);
      expect(response.status, query).toBe(422);
      expect(response.body.detail).toEqual(expect.any(String));
    }
  });
});
