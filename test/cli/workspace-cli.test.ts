import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, startTestAgent, type TestAgent } from '../helpers/agent-harness.js';

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

describe('trainer experiments, leaderboard and config', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent();
  });
  afterAll(async () => {
    await t.close();
  });
  const run = (...args: string[]) =>
    promisify(execFile)(process.execPath, [BIN, ...args], { env: { ...process.env, TRAINER_URL: t.url, TRAINER_API_KEY: API_KEY } });

  it('files runs under an experiment and ranks them', async () => {
    const experiment = JSON.parse((await run('experiments', 'create', 'cli sweep', '--tag', 'x', '--json')).stdout);
    expect((await run('experiments', 'list')).stdout).toContain('cli sweep');
    for (const epochs of ['2', '4'])
      await run(
        'run',
        'start',
        'ticker',
        '-p',
        `epochs=${epochs}`,
        '-p',
        'interval_ms=5',
        '--experiment',
        experiment.experiment_id,
        '--wait',
        '--poll-interval',
        '50',
      );
    const board = JSON.parse((await run('leaderboard', '--metric', 'loss', '--mode', 'min', '--experiment', experiment.experiment_id, '--json')).stdout);
    expect(board.entries.map((entry: { value: number; params: { epochs: number } }) => [entry.params.epochs, entry.value])).toEqual([
      [4, 0.25],
      [2, 0.5],
    ]);
    expect((await run('leaderboard', '--metric', 'loss', '--mode', 'min', '--csv')).stdout.split('\n')[0]).toMatch(
      /^rank,session_id,recipe,experiment_id,loss/,
    );
    await expect(run('run', 'start', 'ticker', '--experiment', 'exp_nope')).rejects.toMatchObject({ code: 4 });
  });

  it('shows and changes runtime settings', async () => {
    expect((await run('config', 'show')).stdout).toMatch(/max concurrent runs:\s+1/);
    expect((await run('config', 'set', '--max-concurrent', '2')).stdout).toMatch(/max concurrent runs:\s+2/);
    await expect(run('config', 'set', '--default-recipe', 'nope')).rejects.toMatchObject({ code: 4 });
    await expect(run('config', 'set')).rejects.toMatchObject({ code: 2 });
  });
});
