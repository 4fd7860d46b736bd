import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';
import { startWebhookReceiver } from '../stand-ins/webhook-receiver.js';

// A run's end is written to the state document first and reaches the outboxes (inbox, webhooks,
// notifiers) and the model registry a moment later. An agent killed in between left the run ended and
// its announcement nowhere, its model unregistered.
// The files below are put in the state such a kill leaves; the next agent must announce the end once.

type Json = Record<string, any>;
const readJson = async (path: string): Promise<Json> => JSON.parse(await readFile(path, 'utf8'));
const writeJson = (path: string, data: unknown) => writeFile(path, JSON.stringify(data));

describe('lifecycle announcements survive a kill between the state write and the outboxes', () => {
  let dataDir: string;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let t: TestAgent | null = null;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'trainer-announce-'));
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await t?.close();
    await receiver.close();
    await removeDir(dataDir);
  });

  const completedNotifications = async (agent: TestAgent, id: string) =>
    (await agent.api('GET', '/api/v1/notifications?limit=100')).body.notifications.filter(
      (entry: Json) => entry.data?.session_id === id && entry.data?.event === 'training_completed',
    );

  it('announces a recorded end the outboxes never got, once; one they did get is not sent again', async () => {
    t = await startTestAgent({ dataDir });
    expect((await t.api('POST', '/api/v1/webhooks', { url: receiver.url, events: ['training_completed'] })).status).toBe(201);
    const id = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 1, interval_ms: 5 }, start: true })).body.session_id;
    await waitForState(t.api, id, ['completed']);
    await waitFor(() => receiver.received.length === 1, 'the webhook delivery');
    expect(await completedNotifications(t, id)).toHaveLength(1);
    const eventId = receiver.received[0]!.eventId;
    await t.close();
    t = null;

    // the state a kill -9 leaves just after the run's end was written: recorded, in none of the outboxes
    const db = await readJson(join(dataDir, 'db.json'));
    const run = db.runs.find((candidate: Json) => candidate.id === id);
    expect(run.unannounced ?? []).toEqual([]); // announced, and written with the agent's later writes
    run.unannounced = ['run.finished'];
    await writeJson(join(dataDir, 'db.json'), db);
    const alerting = await readJson(join(dataDir, 'alerting.json'));
    alerting.notifications = alerting.notifications.filter((entry: Json) => entry.data?.session_id !== id);
    await writeJson(join(dataDir, 'alerting.json'), alerting);
    const webhooks = await readJson(join(dataDir, 'webhooks.json'));
    webhooks.deliveries = [];
    await writeJson(join(dataDir, 'webhooks.json'), webhooks);
    // the model the run left, which the registry had not taken yet
    await writeFile(join(dataDir, 'runs', id, 'output', 'model.pt'), 'weights');

    t = await startTestAgent({ dataDir });
    await waitFor(() => receiver.received.length === 2, 'the end announced again');
    expect(receiver.received[1]).toMatchObject({ event: 'training_completed', eventId, body: { data: { session_id: id, state: 'completed' } } });
    expect(await completedNotifications(t, id)).toHaveLength(1);
    const registered = async (agent: TestAgent) =>
      (await agent.api('GET', '/api/v1/models')).body.filter((model: Json) => model.run_id === id).map((model: Json) => model.name);
    await waitFor(async () => (await registered(t!)).length > 0, 'the run’s model registered');
    expect(await registered(t)).toEqual([`ticker-${id}`]);
    await t.close();
    t = null;

    // killed after the outboxes had it, before the note that they did was written: nothing twice
    const again = await readJson(join(dataDir, 'db.json'));
    again.runs.find((candidate: Json) => candidate.id === id).unannounced = ['run.finished'];
    await writeJson(join(dataDir, 'db.json'), again);
    t = await startTestAgent({ dataDir });
    expect(await completedNotifications(t, id)).toHaveLength(1);
    expect((await readJson(join(dataDir, 'webhooks.json'))).deliveries).toHaveLength(1);
    expect(await registered(t)).toEqual([`ticker-${id}`]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received).toHaveLength(2);
  });
});
