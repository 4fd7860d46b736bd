import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startTestAgent, waitFor, type TestAgent } from '../helpers/agent-harness.js';

interface TrialView {
  number: number;
  params: { x: number; y?: string };
  run_id: string;
  state: string;
  value: number | null;
}

const create = (t: TestAgent, body: Record<string, unknown>) => t.api('POST', '/api/v1/hpo/studies', { name: 'quad', recipe: 'quadratic', ...body });
const waitForStudy = (t: TestAgent, id: string, states: string[]) =>
  waitFor(
    async () => {
      const { body } = await t.api('GET', `/api/v1/hpo/studies/${id}`);
      return states.includes(body.state) ? body : null;
    },
    `study ${id} to reach ${states.join('|')}`,
    60_000,
  );

describe('HPO studies', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent({ env: { MAX_CONCURRENT_SESSIONS: '4' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('a grid sweep finds the known optimum of a synthetic objective', async () => {
    const created = await create(t, {
      objective: 'maximize',
      metric: 'score',
      search_space: { x: { type: 'int', low: 0, high: 6 } },
      n_trials: 50,
      parallelism: 3,
      sampler: 'grid',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ state: 'running', n_trials: 7, sampler: 'grid' }); // n_trials capped at the grid's 7 points
    const study = await waitForStudy(t, created.body.id, ['completed']);
    expect(study.trials.map((trial: TrialView) => trial.params.x)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(study.trials.map((trial: TrialView) => trial.value)).toEqual([-9, -4, -1, 0, -1, -4, -9]);
    expect(study).toMatchObject({ best_value: 0, best_params: { x: 3 }, best_trial: 3, trials_completed: 7 });
    // each trial is a normal run with the trial's parameters
    const run = (await t.api('GET', `/api/v1/training/${study.trials[3].run_id}/status`)).body;
    expect(run).toMatchObject({ state: 'completed', recipe: 'quadratic' });
    expect((await t.api('GET', '/api/v1/hpo/studies')).body.studies.find((summary: { id: string }) => summary.id === study.id)).toMatchObject({
      state: 'completed',
      best_value: 0,
    });
  });

  it('a seeded random sweep over a float and a categorical: reproducible, and its best is the best trial', async () => {
    const body = {
      objective: 'minimize',
      metric: 'loss',
      search_space: { x: { type: 'float', low: 0, high: 6 }, y: { type: 'categorical', choices: ['a', 'b', 'c'] } },
      n_trials: 10,
      parallelism: 4,
      sampler: 'random',
      seed: 7,
    };
    const [first, second] = await Promise.all([create(t, body), create(t, body)]);
    const [a, b] = await Promise.all([waitForStudy(t, first.body.id, ['completed']), waitForStudy(t, second.body.id, ['completed'])]);
    expect(a.trials).toHaveLength(10);
    expect(a.trials.map((trial: TrialView) => trial.params)).toEqual(b.trials.map((trial: TrialView) => trial.params));
    for (const trial of a.trials as TrialView[]) {
      expect(trial.state).toBe('completed');
      expect(trial.value).toBeCloseTo((trial.params.x - 3) ** 2 + (trial.params.y === 'b' ? 0 : 1), 10);
    }
    const best = [...(a.trials as TrialView[])].sort((p, q) => p.value! - q.value!)[0]!;
    expect(a).toMatchObject({ best_value: best.value, best_params: best.params, best_trial: best.number });
  });

  it('the median pruner stops a trial that is worse than the completed ones at the same epoch', async () => {
    // good trials stop early (loss <= 0.4 by epoch 3 or 7); the bad one (x = 9, loss > 36) would run
    // 1,200 epochs (30 s) if nothing stopped it: the pruner has a generous window, however slow the machine
    const created = await t.api('POST', '/api/v1/hpo/studies', {
      name: 'pruned',
      recipe: 'curve',
      params: { epochs: 1200, interval_ms: 25, stop_below: 0.4 },
      search_space: { x: { type: 'categorical', choices: [3, 3.5, 2.5, 9] } },
      sampler: 'grid',
      n_trials: 4,
      parallelism: 1,
      metric: 'loss',
      pruner: 'median',
      pruner_warmup_epochs: 2,
      pruner_min_trials: 3,
    });
    expect(created.status).toBe(201);
    const study = await waitForStudy(t, created.body.id, ['completed']);
    expect(study.trials.map((trial: TrialView) => trial.state)).toEqual(['completed', 'completed', 'completed', 'pruned']);
    expect(study).toMatchObject({ trials_pruned: 1, best_params: { x: 3 } });
    expect(Object.keys(study.trials[0].intermediate)).toHaveLength(3); // x = 3 stopped early at epoch 3
    expect(Object.keys(study.trials[1].intermediate)).toHaveLength(7);
    const pruned = (await t.api('GET', `/api/v1/training/${study.trials[3].run_id}/status`)).body;
    expect(pruned.state).toBe('stopped');
    expect(pruned.current_epoch).toBeGreaterThanOrEqual(2);
    expect(pruned.current_epoch).toBeLessThan(1200);
  });

  it('refuses what cannot run with 422 naming it', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ recipe: 'no-such', search_space: { x: { type: 'int', low: 0, high: 1 } }, n_trials: 2 }, /'no-such' does not exist/],
      [{ search_space: { z: { type: 'int', low: 0, high: 1 } }, n_trials: 2 }, /unknown parameter 'z'/],
      [{ search_space: { x: { type: 'float', low: 0, high: 1, log: true } }, n_trials: 2 }, /log scale needs low > 0/],
      [{ search_space: { x: { type: 'float', low: 0, high: 1000 } }, n_trials: 2 }, /parameter 'x' must be at most 100/],
      [{ search_space: { x: { type: 'float', low: 0, high: 1 } }, params: { x: 1 }, n_trials: 2 }, /'x' is also in the search space/],
      [{ search_space: { x: { type: 'normal' } }, n_trials: 2 }, /search_space/],
      [{ search_space: { x: { type: 'int', low: 0, high: 1 } }, n_trials: 0 }, /n_trials/],
    ];
    for (const [body, detail] of cases) {
      const response = await create(t, body);
      expect(response.status, JSON.stringify(body)).toBe(422);
      expect(response.body.detail).toMatch(detail);
    }
  });

  it('stop ends the study and its running trials; delete removes it and keeps the runs', async () => {
    const created = await create(t, { search_space: { x: { type: 'int', low: 0, high: 6 } }, params: { delay_ms: 60000 }, n_trials: 6, parallelism: 2 });
    const id = created.body.id;
    const running = await waitFor(async () => {
      const { body } = await t.api('GET', `/api/v1/hpo/studies/${id}`);
      const runs = await Promise.all(body.trials.map(async (trial: TrialView) => (await t.api('GET', `/api/v1/training/${trial.run_id}/status`)).body.state));
      return runs.length === 2 && runs.every((state) => state === 'running') ? body : null;
    }, 'two trials running');
    const stopped = await t.api('POST', `/api/v1/hpo/studies/${id}/stop`);
    expect(stopped.status).toBe(200);
    expect(stopped.body.state).toBe('stopped');
    const study = await waitFor(async () => {
      const { body } = await t.api('GET', `/api/v1/hpo/studies/${id}`);
      return body.trials.every((trial: TrialView) => trial.state === 'stopped') ? body : null;
    }, 'the trials to be stopped');
    expect(study.trials).toHaveLength(2);
    for (const trial of running.trials as TrialView[]) expect((await t.api('GET', `/api/v1/training/${trial.run_id}/status`)).body.state).toBe('stopped');
    expect((await t.api('POST', `/api/v1/hpo/studies/${id}/stop`)).status).toBe(409);
    expect((await t.api('DELETE', `/api/v1/hpo/studies/${id}`)).status).toBe(200);
    expect((await t.api('GET', `/api/v1/hpo/studies/${id}`)).status).toBe(404);
    expect((await t.api('GET', `/api/v1/training/${running.trials[0].run_id}/status`)).status).toBe(200);
  });
});

describe('HPO studies across an agent restart', () => {
  it('a study goes on under the next agent and completes every trial', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'trainer-hpo-'));
    let t = await startTestAgent({ dataDir });
    try {
      const id = (
        await create(t, { search_space: { x: { type: 'int', low: 1, high: 4 } }, params: { delay_ms: 600 }, n_trials: 4, parallelism: 1, sampler: 'grid' })
      ).body.id;
      await waitFor(async () => (await t.api('GET', `/api/v1/hpo/studies/${id}`)).body.trials.length >= 2, 'the second trial');
      await t.agent.close(); // its running trial goes on without the agent
      t = await startTestAgent({ dataDir });
      const study = await waitForStudy(t, id, ['completed']);
      expect(study.trials.map((trial: TrialView) => [trial.params.x, trial.state])).toEqual([
        [1, 'completed'],
        [2, 'completed'],
        [3, 'completed'],
        [4, 'completed'],
      ]);
      expect(study).toMatchObject({ best_params: { x: 3 }, best_value: 1 });
    } finally {
      await t.close();
      await removeDir(dataDir);
    }
  });
});
