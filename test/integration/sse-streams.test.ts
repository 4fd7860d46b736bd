import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, startTestAgent, waitForState, type TestAgent } from '../helpers/agent-harness.js';
import { connectSse, readSse, type SseEvent } from '../helpers/sse-client.js';

describe('live streams (SSE)', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent({ env: { MAX_CONCURRENT_SESSIONS: '2' } });
  });
  afterAll(async () => {
    await t.close();
  });

  const create = async (params: Record<string, unknown>) =>
    (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params })).body.session_id as string;

  it('streams status, metrics and logs of a run until it ends', async () => {
    const id = await create({ epochs: 5, interval_ms: 30 });
    const stream = await connectSse(`${t.url}/api/v1/sse/training/${id}?api_key=${API_KEY}`);
    // the stream opens with the run's current state; only once that has come is the run started
    const first = await stream.next();
    const events: SseEvent[] = [first.value!];
    await t.api('POST', `/api/v1/training/sessions/${id}/start`);
    for await (const event of stream) events.push(event); // the server ends the stream when the run ends

    const states = events.filter((event) => event.event === 'status').map((event) => event.data.state);
    expect(states[0]).toBe('created');
    expect(states).toContain('running');
    expect(states[states.length - 1]).toBe('completed');
    expect(events.filter((event) => event.event === 'metrics').map((event) => event.data.epoch)).toEqual([1, 2, 3, 4, 5]);
    expect(events.find((event) => event.event === 'metrics')!.data).toMatchObject({ session_id: id, epoch: 1, loss: 1, timestamp: expect.any(String) });
    expect(events.filter((event) => event.event === 'log').map((event) => event.data.message)).toContain('Epoch 5/5 completed');
  });

  it('resumes from Last-Event-ID without losing a point', async () => {
    const id = await create({ epochs: 12, interval_ms: 40 });
    await t.api('POST', `/api/v1/training/sessions/${id}/start`);
    const abort = new AbortController();
    const first: SseEvent[] = [];
    let lastId: string | undefined;
    try {
      for await (const event of readSse(`${t.url}/api/v1/sse/training/${id}`, { authorization: `Bearer ${API_KEY}` }, abort.signal)) {
        first.push(event);
        if (event.id) lastId = event.id;
        if (first.filter((e) => e.event === 'metrics').length >= 3 && event.id) break;
      }
    } finally {
      abort.abort();
    }
    await waitForState(t.api, id, ['completed']);

    const rest: SseEvent[] = [];
    for await (const event of readSse(`${t.url}/api/v1/sse/training/${id}`, { authorization: `Bearer ${API_KEY}`, 'last-event-id': lastId! })) rest.push(event);
    const epochs = [...first, ...rest].filter((event) => event.event === 'metrics').map((event) => event.data.epoch);
    expect(epochs).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const logLines = [...first, ...rest].filter((event) => event.event === 'log').map((event) => event.data.message);
    for (let epoch = 1; epoch <= 12; epoch++) expect(logLines).toContain(`Epoch ${epoch}/12 completed`);
  });

  it('refuses unknown runs and missing or wrong keys', async () => {
    await expect(readSse(`${t.url}/api/v1/sse/training/sess_ffffffffffff?api_key=${API_KEY}`).next()).rejects.toMatchObject({ status: 404 });
    await expect(readSse(`${t.url}/api/v1/sse/training/sess_ffffffffffff`).next()).rejects.toMatchObject({ status: 401 });
    await expect(readSse(`${t.url}/api/v1/sse/events?api_key=wrong`).next()).rejects.toMatchObject({ status: 401 });
    // the query-string key is accepted on stream paths only
    expect((await fetch(`${t.url}/api/v1/training/queue?api_key=${API_KEY}`)).status).toBe(401);
  });

  it('streams every run event to dashboards', async () => {
    const abort = new AbortController();
    const seen: SseEvent[] = [];
    // connected (the server answered): every event from now on reaches this stream
    const stream = await connectSse(`${t.url}/api/v1/sse/events?api_key=${API_KEY}`, {}, abort.signal);
    const id = await create({ epochs: 2, interval_ms: 10 });
    await t.api('POST', `/api/v1/training/sessions/${id}/start`);
    for await (const event of stream) {
      seen.push(event);
      if (event.event === 'status' && event.data.session_id === id && event.data.state === 'completed') break;
    }
    abort.abort();
    const mine = seen.filter((event) => (event.data.session_id ?? event.data.session_id) === id);
    expect(mine.filter((event) => event.event === 'status').map((event) => event.data.state)).toEqual(['created', 'queued', 'running', 'completed']);
    expect(mine.filter((event) => event.event === 'metrics').map((event) => event.data.epoch)).toEqual([1, 2]);
  });
});
