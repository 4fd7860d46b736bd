import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { API_KEY, startTestAgent, waitForState, type TestAgent } from '../helpers/agent-harness.js';

function collect(url: string, headers: Record<string, string> = {}): Promise<{ messages: any[]; code: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const messages: any[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(String(data))));
    ws.on('close', (code) => resolve({ messages, code }));
    ws.on('unexpected-response', (_request, response) => reject(Object.assign(new Error(`status ${response.statusCode}`), { status: response.statusCode })));
    ws.on('error', () => {});
  });
}

describe('live streams (WebSocket)', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent();
  });
  afterAll(async () => {
    await t.close();
  });

  it('streams a run until it ends, and resumes from an event id', async () => {
    const id = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 4, interval_ms: 30 }, start: true })).body.session_id;
    const wsUrl = t.url.replace('http', 'ws');
    const live = await collect(`${wsUrl}/api/v1/ws/training/${id}`, { authorization: `Bearer ${API_KEY}` });
    expect(live.code).toBe(1000);
    expect(live.messages.at(-1)).toMatchObject({ event: 'status', data: { session_id: id, state: 'completed' } });
    await waitForState(t.api, id, ['completed']);

    const replay = await collect(`${wsUrl}/api/v1/ws/training/${id}?api_key=${API_KEY}&last_event_id=m0.l0`);
    expect(replay.messages.filter((message) => message.event === 'metrics').map((message) => message.data.epoch)).toEqual([1, 2, 3, 4]);
    expect(replay.messages.filter((message) => message.event === 'log').map((message) => message.data.message)).toEqual(
      expect.arrayContaining(['Epoch 1/4 completed', 'Epoch 4/4 completed']),
    );
  });

  it('refuses missing keys and unknown runs before upgrading', async () => {
    const wsUrl = t.url.replace('http', 'ws');
    await expect(collect(`${wsUrl}/api/v1/ws/training/sess_ffffffffffff`)).rejects.toMatchObject({ status: 401 });
    await expect(collect(`${wsUrl}/api/v1/ws/training/sess_ffffffffffff?api_key=${API_KEY}`)).rejects.toMatchObject({ status: 404 });
    await expect(collect(`${wsUrl}/api/v1/ws/nothing?api_key=${API_KEY}`)).rejects.toMatchObject({ status: 404 });
  });
});
