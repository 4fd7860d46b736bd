import { describe, expect, it } from 'vitest';
import { classifyExit, endedPastTimeLimit } from '../../dist/src/domain/exit-classification.js';

const exit = (fields: Record<string, unknown>) => ({
  exit_code: null,
  signal: null,
  stop_requested: false,
  error: null,
  ended_at: '2026-01-01T00:00:00.000Z',
  ...fields,
});
const plain = { stopRequested: false, timedOut: false, lastError: null };
const verdict = (fields: Record<string, unknown>, context: Partial<typeof plain> = {}) => {
  const { state, reason, signal } = classifyExit(exit(fields), { ...plain, ...context });
  return [state, reason, signal];
};

describe('exit classification', () => {
  it('names why each run ended', () => {
    expect(verdict({ exit_code: 0 })).toEqual(['completed', 'success', null]);
    expect(verdict({ exit_code: 3 })).toEqual(['failed', 'code_error', null]);
    expect(verdict({ exit_code: 137 })).toEqual(['failed', 'oom', 'SIGKILL']);
    expect(verdict({ signal: 'SIGKILL' })).toEqual(['failed', 'oom', 'SIGKILL']);
    expect(verdict({ signal: 'SIGSEGV' })).toEqual(['failed', 'killed_by_signal', 'SIGSEGV']);
    expect(verdict({ signal: 'SIGTERM' })).toEqual(['failed', 'killed_by_signal', 'SIGTERM']);
    expect(verdict({ exit_code: 127, error: 'Cannot start x: ENOENT' })).toEqual(['failed', 'launch_error', null]);
    expect(verdict({ error: 'The process vanished' })).toEqual(['failed', 'lost', null]);
  });

  it("takes the backend's cause over the exit code (Slurm TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, PREEMPTED)", () => {
    expect(verdict({ signal: 'SIGTERM', cause: 'timeout', error: 'Slurm job 4 ended TIMEOUT' })).toEqual(['failed', 'timeout', 'SIGTERM']);
    expect(verdict({ cause: 'oom', error: 'x' })).toEqual(['failed', 'oom', null]);
    expect(verdict({ exit_code: 1, cause: 'node_fail', error: 'x' })).toEqual(['failed', 'node_fail', null]);
    expect(verdict({ cause: 'preempted', error: 'x' })).toEqual(['failed', 'preempted', null]);
  });

  it('a requested stop is a stop, even when the stop ended in SIGKILL; a time limit is a timeout', () => {
    expect(verdict({ signal: 'SIGKILL', stop_requested: true })).toEqual(['stopped', 'stopped_by_user', 'SIGKILL']);
    expect(verdict({ signal: 'SIGKILL' }, { stopRequested: true })).toEqual(['stopped', 'stopped_by_user', 'SIGKILL']);
    expect(verdict({ signal: 'SIGTERM', stop_requested: true }, { timedOut: true })).toEqual(['failed', 'timeout', 'SIGTERM']);
  });

  it('quotes the last error line', () => {
    expect(classifyExit(exit({ exit_code: 2 }), { ...plain, lastError: 'CUDA error' }).message).toBe('Process exited with code 2: CUDA error');
  });
});

describe('retry policy', () => {
  it('retries a reason in retry_on while attempts remain, never otherwise', async () => {
    const { shouldRetry } = await import('../../dist/src/domain/retry-policy.js');
    const policy = { max_retries: 2, retry_on: ['oom', 'node_fail'] };
    expect([1, 2, 3].map((attempts) => shouldRetry(policy, 'oom', attempts))).toEqual([true, true, false]);
    expect(shouldRetry(policy, 'code_error', 1)).toBe(false);
    expect(shouldRetry(policy, 'preempted', 1)).toBe(false);
    expect(shouldRetry(null, 'oom', 1)).toBe(false);
    expect(shouldRetry({ max_retries: 0, retry_on: ['oom'] }, 'oom', 1)).toBe(false);
  });

  it('recipes default to retrying infrastructure failures and refuse to retry code errors', async () => {
    const { RecipeSchema } = await import('../../dist/src/domain/recipe.js');
    expect(RecipeSchema.parse({ name: 'r', command: ['x'] })).toMatchObject({ max_retries: 0, retry_on: ['node_fail', 'preempted', 'lost'] });
    expect(RecipeSchema.safeParse({ name: 'r', command: ['x'], max_retries: 1, retry_on: ['code_error'] }).success).toBe(false);
    expect(RecipeSchema.safeParse({ name: 'r', command: ['x'], time_limit_s: 0 }).success).toBe(false);
  });
});

describe('a time limit that no agent remembers', () => {
  const started = '2026-01-01T00:00:00.000Z';
  it('counts a run ended by a signal past its limit as stopped by the limit', () => {
    expect(endedPastTimeLimit(started, { exit_code: null, signal: 'SIGTERM', ended_at: '2026-01-01T00:01:01.000Z' }, 60)).toBe(true);
    expect(endedPastTimeLimit(started, { exit_code: 143, signal: null, ended_at: '2026-01-01T00:01:00.000Z' }, 60)).toBe(true);
  });
  it('not an exit of its own, an early end, or a recipe without a limit', () => {
    expect(endedPastTimeLimit(started, { exit_code: 0, signal: null, ended_at: '2026-01-01T00:05:00.000Z' }, 60)).toBe(false);
    expect(endedPastTimeLimit(started, { exit_code: 1, signal: null, ended_at: '2026-01-01T00:05:00.000Z' }, 60)).toBe(false);
    expect(endedPastTimeLimit(started, { exit_code: null, signal: 'SIGTERM', ended_at: '2026-01-01T00:00:59.000Z' }, 60)).toBe(false);
    expect(endedPastTimeLimit(started, { exit_code: null, signal: 'SIGTERM', ended_at: '2026-01-01T00:05:00.000Z' }, undefined)).toBe(false);
    expect(endedPastTimeLimit(null, { exit_code: null, signal: 'SIGTERM', ended_at: '2026-01-01T00:05:00.000Z' }, 60)).toBe(false);
  });
});
