import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, waitForState, type TestAgent } from '../helpers/agent-harness.js';

// Seed 001's session endpoints that do not clash with seed 000.
describe('seed 001 sessions', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent();
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates a session without starting it, starts it, reads it and its filtered metrics', async () => {
    const created = await t.api('POST', '/api/v1/training/sessions', {
      config_path: 'configs/ticker.yaml',
      session_name: 'experiment_001',
      tags: ['unet', 'focal-loss'],
      params: { epochs: 3, interval_ms: 20 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      session_id: expect.stringMatching(/^sess_/),
      status: 'created',
      created_at: expect.any(String),
      config: { epochs: 3, interval_ms: 20, exit_code: 0 },
    });
    const id = created.body.session_id;
    expect((await t.api('GET', '/api/v1/training/queue')).body).toEqual([]);

    const started = await t.api('POST', `/api/v1/training/sessions/${id}/start`);
    expect(started.body).toMatchObject({ session_id: id, status: 'running', started_at: expect.any(String) });
    await waitForState(t.api, id, ['completed']);

    const detail = (await t.api('GET', `/api/v1/training/sessions/${id}`)).body;
    expect(detail).toMatchObject({
      session_id: id,
      session_name: 'experiment_001',
      status: 'completed',
      current_epoch: 3,
      total_epochs: 3,
      progress: 1,
      tags: ['unet', 'focal-loss'],
      latest_metrics: { loss: expect.any(Number), accuracy: expect.any(Number) },
    });

    const metrics = (await t.api('GET', `/api/v1/training/sessions/${id}/metrics?metric_name=loss&limit=2`)).body;
    expect(metrics.session_id).toBe(id);
    expect(metrics.metrics).toHaveLength(2);
    expect(metrics.metrics[1]).toEqual({ epoch: 3, timestamp: expect.any(String), loss: expect.closeTo(1 / 3, 5) });

    const all = (await t.api('GET', `/api/v1/training/sessions/${id}/metrics`)).body.metrics;
    expect(all.map((point: { epoch: number }) => point.epoch)).toEqual([1, 2, 3]);
  });

  it('stops through the seed 001 path and reports stopped_at', async () => {
    const id = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 1000, interval_ms: 50 }, start: true })).body.session_id;
    const stopped = await t.api('POST', `/api/v1/training/sessions/${id}/stop`);
    expect(stopped.body).toMatchObject({ session_id: id, status: 'stopped', stopped_at: expect.any(String) });
  });

  it('answers unknown sessions with 404', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/training/sessions/sess_ffffffffffff'],
      ['POST', '/api/v1/training/sessions/sess_ffffffffffff/start'],
      ['GET', '/api/v1/training/sessions/sess_ffffffffffff/metrics'],
    ]) {
      const response = await t.api(method!, path!);
      expect(response.status).toBe(404);
      expect(response.body.detail).toBe("Session 'sess_ffffffffffff' not found");
    }
  });

  it('lists recipes with the default marked', async () => {
    const recipes = (await t.api('GET', '/api/v1/recipes')).body;
    expect(recipes.find((recipe: { name: string }) => recipe.name === 'tfjs')).toMatchObject({ default: true, backend: 'process' });
    expect(recipes.find((recipe: { name: string }) => recipe.name === 'demo-mlp')).toMatchObject({ default: false });
    expect((await t.api('GET', '/api/v1/recipes/nope')).status).toBe(404);
  });
});
