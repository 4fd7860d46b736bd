import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, type TestAgent } from '../helpers/agent-harness.js';
import { cli } from './cli-helpers.js';

describe('trainer sweep', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent({ env: { MAX_CONCURRENT_SESSIONS: '3' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('runs a grid sweep, printing each trial, and ends with the best parameters', async () => {
    const result = await cli(t.url, [
      'sweep',
      'quadratic',
      '-s',
      'x=int:0:6',
      '--sampler',
      'grid',
      '--metric',
      'score',
      '--maximize',
      '--trials',
      '20',
      '--parallelism',
      '3',
      '--poll-interval',
      '50',
    ]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^Study study_[0-9a-f]{12}: 7 trials of quadratic, maximize score, grid sampler/);
    expect(lines.filter((line) => /^trial \d\/7 x=\d → score -?\d+; best/.test(line))).toHaveLength(7);
    expect(lines.at(-1)).toMatch(/completed: best score 0 with x=3 \(trial 4, run sess_[0-9a-f]{12}\)$/);
  });

  it('--json gives the finished study; a malformed --space is a usage error', async () => {
    const result = await cli(t.url, [
      'sweep',
      'quadratic',
      '-s',
      'x=float:0:6',
      '-s',
      'y=cat:a,b,c',
      '--trials',
      '4',
      '--parallelism',
      '2',
      '--seed',
      '3',
      '--poll-interval',
      '50',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const study = JSON.parse(result.stdout);
    expect(study).toMatchObject({ state: 'completed', objective: 'minimize', metric: 'loss', seed: 3, n_trials: 4 });
    expect(study.trials).toHaveLength(4);
    expect(study.best_value).toBe(Math.min(...study.trials.map((trial: { value: number }) => trial.value)));
    const bad = await cli(t.url, ['sweep', 'quadratic', '-s', 'x=float:zero:6']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/LOW and HIGH must be numbers/);
  });
});
