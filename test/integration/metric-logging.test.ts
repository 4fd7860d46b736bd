import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';

describe('metric logging and history queries', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent();
  });
  afterAll(async () => {
    await t.close();
  });

  it('accepts one point or a batch into a running run, next to what the process prints', async () => {
    const id = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 1000, interval_ms: 200 }, start: true })).body
      .session_id;
    const one = await t.api('POST', `/api/v1/training/${id}/metrics`, { metrics: { gpu_mem_gb: 11.5 }, step: 7 });
    expect(one.status).toBe(202);
    expect(one.body).toEqual({ session_id: id, accepted: 1 });
    const points = Array.from({ length: 1000 }, (_, step) => ({ metrics: { lr: 0.001 * (step + 1) }, step }));
    expect((await t.api('POST', `/api/v1/training/${id}/metrics`, { points })).body.accepted).toBe(1000);

    const lr = await waitFor(async () => {
      const history = (await t.api('GET', `/api/v1/training/${id}/history?metric_name=lr`)).body;
      return history.length === 1000 ? history : null;
    }, '1000 lr points');
    expect(lr[999]).toMatchObject({ step: 999, lr: 1 });
    const latest = await waitFor(
      async () => ((await t.api('GET', `/api/v1/training/sessions/${id}`)).body.latest_metrics.gpu_mem_gb === undefined ? 'no' : 'yes'),
      'latest',
    );
    expect(latest).toBeTruthy();

    const downsampled = (await t.api('GET', `/api/v1/training/${id}/history?metric_name=lr&max_points=50`)).body;
    expect(downsampled).toHaveLength(50);
    expect(downsampled[0].step).toBe(0);
    expect(downsampled[49].step).toBe(999);

    const seed001 = (await t.api('GET', `/api/v1/metrics/${id}/history?metric_name=lr&max_points=10`)).body;
    expect(seed001.metric_name).toBe('lr');
    expect(seed001.values).toHaveLength(10);
    expect(seed001.timestamps).toHaveLength(10);
    await t.api('POST', `/api/v1/training/${id}/stop`);
  });

  it('filters history by epoch range', async () => {
    const id = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 6, interval_ms: 5 }, start: true })).body.session_id;
    await waitForState(t.api, id, ['completed']);
    const range = (await t.api('GET', `/api/v1/training/${id}/history?start_epoch=2&end_epoch=4`)).body;
    expect(range.map((point: { epoch: number }) => point.epoch)).toEqual([2, 3, 4]);
    const epochs = (await t.api('GET', `/api/v1/metrics/${id}/history?metric_name=loss&start_epoch=5`)).body.epochs;
    expect(epochs).toEqual([5, 6]);
  });

  it('refuses bad points, too many points, and runs that are not running', async () => {
    const id = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 1, interval_ms: 1 } })).body.session_id;
    const bad = [
      { metrics: {} },
      { metrics: { loss: 'high' } },
      { metrics: { 'bad name!': 1 } },
      { metrics: { loss: 1 }, step: -1 },
      { metrics: { loss: 1 }, extra: true },
      { points: [] },
      { points: Array.from({ length: 1001 }, () => ({ metrics: { loss: 1 } })) },
      [1, 2],
    ];
    for (const body of bad) {
      const response = await t.api('POST', `/api/v1/training/${id}/metrics`, body);
      expect(response.status, JSON.stringify(body).slice(0, 60)).toBe(422);
      expect(typeof response.body.detail).toBe('string');
    }
    const notRunning = await t.api('POST', `/api/v1/training/${id}/metrics`, { metrics: { loss: 1 } });
    expect(notRunning.status).toBe(409);
    expect(notRunning.body.detail).toMatch(/is created: metrics can only be logged to a running session/);
    expect((await t.api('POST', '/api/v1/training/sess_ffffffffffff/metrics', { metrics: { loss: 1 } })).status).toBe(404);
    for (const query of ['max_points=1', 'start_epoch=5&end_epoch=2', 'metric_name=a%20b', 'start_epoch=-1']) {
      expect((await t.api('GET', `/api/v1/training/${id}/history?${query}`)).status, query).toBe(422);
    }
  });
});

describe('metric summary', () => {
  it('gives current, min, max, mean and count per metric, NaN counted apart', async () => {
    const t = await startTestAgent();
    try {
      const id = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 4, interval_ms: 5 }, start: true })).body.session_id;
      await waitForState(t.api, id, ['completed']);
      const summary = (await t.api('GET', `/api/v1/training/${id}/metrics/summary`)).body;
      expect(summary.session_id).toBe(id);
      expect(summary.metrics.loss).toEqual({
        current: 0.25,
        min: 0.25,
        max: 1,
        mean: expect.closeTo((1 + 0.5 + 1 / 3 + 0.25) / 4, 10),
        count: 4,
        non_finite: 0,
      });
      const nan = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'nan-loss', start: true })).body.session_id;
      const nanSummary = await waitFor(async () => {
        const body = (await t.api('GET', `/api/v1/training/${nan}/metrics/summary`)).body;
        return body.metrics.loss?.count === 3 ? body : null;
      }, 'three loss values');
      expect(nanSummary.metrics.loss).toEqual({ current: 'NaN', min: 0.7, max: 0.9, mean: expect.closeTo(0.8, 10), count: 3, non_finite: 1 });
      expect((await t.api('GET', '/api/v1/training/sess_ffffffffffff/metrics/summary')).status).toBe(404);
    } finally {
      await t.close();
    }
  });
});
