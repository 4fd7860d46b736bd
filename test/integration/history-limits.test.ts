import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, type TestAgent } from '../helpers/agent-harness.js';

/** Issue 14 finding 8: history had no default size, so one query could ask for every point of a huge run. */
describe('history answers have a default and a maximum size', () => {
  let t: TestAgent;
  let id: string;
  beforeAll(async () => {
    t = await startTestAgent();
    id = (await t.api('POST', '/api/v1/training/sessions', { tracking_only: true })).body.session_id;
    for (let batch = 0; batch < 12; batch++) {
      const points = Array.from({ length: 1000 }, (_, i) => ({ step: batch * 1000 + i, metrics: { loss: 1 / (batch * 1000 + i + 1) } }));
      expect((await t.api('POST', `/api/v1/training/${id}/metrics`, { points })).status).toBeLessThan(300);
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it('12,000 points come back as at most 10,000 by default, as asked below that, and more than 100,000 is refused', async () => {
    const all = await t.api('GET', `/api/v1/metrics/${id}/history?metric_name=loss`);
    expect(all.status).toBe(200);
    expect(all.body.values.length).toBeGreaterThan(9000);
    expect(all.body.values.length).toBeLessThanOrEqual(10_000);
    expect((await t.api('GET', `/api/v1/metrics/${id}/history?metric_name=loss&max_points=500`)).body.values.length).toBeLessThanOrEqual(500);
    expect((await t.api('GET', `/api/v1/metrics/${id}/history?metric_name=loss&max_points=100001`)).status).toBe(422);
    expect((await t.api('GET', `/api/v1/training/${id}/history?metric_name=loss&max_points=100001`)).status).toBe(422);
  });
});
