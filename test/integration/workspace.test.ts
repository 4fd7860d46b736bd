import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';

describe('runtime config, workers, experiments, leaderboard', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent();
  });
  afterAll(async () => {
    await t.close();
  });

  it('raising max_concurrent_sessions starts queued runs at once; the change is persisted, audited, and survives a restart', async () => {
    expect((await t.api('GET', '/api/v1/config')).body).toEqual({ max_concurrent_sessions: 1, default_recipe: 'tfjs', default_params: {} });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push(
        (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 1000, interval_ms: 50 }, start: true })).body.session_id,
      );
    expect((await t.api('GET', '/api/v1/training/queue')).body).toHaveLength(2);

    const patched = await t.api('PATCH', '/api/v1/config', { max_concurrent_sessions: 3 });
    expect(patched.body.max_concurrent_sessions).toBe(3);
    await waitFor(async () => (await t.api('GET', '/api/v1/training/queue')).body.length === 0, 'the queue to drain');
    const workers = (await t.api('GET', '/api/v1/workers')).body.workers;
    expect(workers.map((worker: { slot: number; session_id: string }) => [worker.slot, worker.session_id])).toEqual([
      [1, ids[0]],
      [2, ids[1]],
      [3, ids[2]],
    ]);
    const audit = (await t.api('GET', '/api/v1/audit?limit=5')).body.entries;
    expect(audit[0]).toMatchObject({ action: 'config.patch', details: { max_concurrent_sessions: 3 }, result: 'ok', actor: 'API_KEYS[0]' });
    for (const id of ids) await t.api('POST', `/api/v1/training/${id}/stop`);

    const dataDir = t.dataDir;
    await t.agent.close();
    const again = await startTestAgent({ dataDir });
    try {
      expect((await again.api('GET', '/api/v1/config')).body.max_concurrent_sessions).toBe(3);
      expect((await again.api('GET', '/api/v1/workers')).body.workers.map((worker: { completed_runs: number }) => worker.completed_runs)).toEqual([0, 0, 0]);
    } finally {
      await again.agent.close();
    }
    t = await startTestAgent({ dataDir });
  });

  it('refuses settings that would leave the agent unusable', async () => {
    for (const body of [
      { max_concurrent_sessions: 0 },
      { max_concurrent_sessions: -1 },
      {},
      { default_recipe: 'nope' },
      { default_params: { epochs: 0 } },
      { default_params: { bogus: 1 } },
      { something: 1 },
    ]) {
      const response = await t.api('PATCH', '/api/v1/config', body);
      expect(response.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    }
    expect((await t.api('PATCH', '/api/v1/config', { default_params: { epochs: 3 } })).body.default_params).toEqual({ epochs: 3 });
    const started = (await t.api('POST', '/api/v1/training/sessions', { start: false })).body;
    expect(started.config.epochs).toBe(3);
    await t.api('PATCH', '/api/v1/config', { default_params: {} });
  });

  it('groups runs into experiments and ranks completed runs on a leaderboard', async () => {
    const experiment = (await t.api('POST', '/api/v1/experiments', { name: 'ticker sweep', description: 'fewer epochs, lower loss?', tags: ['demo'] })).body;
    expect(experiment).toMatchObject({ experiment_id: expect.stringMatching(/^exp_/), name: 'ticker sweep', tags: ['demo'] });
    expect((await t.api('POST', '/api/v1/experiments', { name: 'ticker sweep' })).status).toBe(409);
    const ids: string[] = [];
    for (const epochs of [2, 5, 3]) {
      const id = (
        await t.api('POST', '/api/v1/training/sessions', {
          recipe: 'ticker',
          params: { epochs, interval_ms: 5 },
          experiment_id: experiment.experiment_id,
          start: true,
        })
      ).body.session_id;
      await waitForState(t.api, id, ['completed']);
      ids.push(id);
    }
    expect((await t.api('GET', `/api/v1/experiments/${experiment.experiment_id}/runs`)).body.map((run: { session_id: string }) => run.session_id)).toEqual(
      [...ids].reverse(),
    );

    const board = (await t.api('GET', `/api/v1/leaderboard?metric=loss&mode=min&experiment=${experiment.experiment_id}`)).body;
    expect(board.entries.map((entry: { session_id: string; value: number }) => [entry.session_id, entry.value])).toEqual([
      [ids[1], 0.2],
      [ids[2], 1 / 3],
      [ids[0], 0.5],
    ]);
    expect(board.entries[0]).toMatchObject({ rank: 1, params: { epochs: 5 }, recipe: 'ticker' });
    const csv = await t.api('GET', `/api/v1/leaderboard?metric=loss&mode=min&experiment=${experiment.experiment_id}&format=csv&limit=1`);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(csv.body).toBe(
      `rank,session_id,recipe,experiment_id,loss,ended_at,epochs,exit_code,interval_ms\n1,${ids[1]},ticker,${experiment.experiment_id},0.2,${board.entries[0].ended_at},5,0,5\n`,
    );
    expect((await t.api('GET', '/api/v1/leaderboard?metric=loss&mode=sideways')).status).toBe(422);
    expect((await t.api('GET', '/api/v1/leaderboard')).status).toBe(422);

    expect((await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', experiment_id: 'exp_nope' })).status).toBe(404);
    expect((await t.api('PATCH', `/api/v1/experiments/${experiment.experiment_id}`, { description: 'done' })).body.description).toBe('done');
    expect((await t.api('DELETE', `/api/v1/experiments/${experiment.experiment_id}`)).status).toBe(409);
    expect((await t.api('DELETE', `/api/v1/experiments/${experiment.experiment_id}?detach=true`)).body.message).toMatch(/3 run\(s\) detached/);
    expect((await t.api('GET', `/api/v1/training/${ids[0]}/status`)).body.experiment_id).toBeNull();
    expect((await t.api('GET', `/api/v1/experiments/${experiment.experiment_id}`)).status).toBe(404);
  });
});
