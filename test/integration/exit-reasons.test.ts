import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, waitForState, type TestAgent } from '../helpers/agent-harness.js';

describe('why a run ended (process backend)', () => {
  let t: TestAgent;
  const run = async (recipe: string, params: Record<string, unknown> = {}) => {
    const created = await t.api('POST', '/api/v1/training/sessions', { recipe, params, start: true });
    expect(created.status).toBe(201);
    return waitForState(t.api, created.body.session_id, ['completed', 'failed', 'stopped']);
  };

  beforeAll(async () => {
    t = await startTestAgent({ env: { MAX_CONCURRENT_SESSIONS: '4' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('an unrequested SIGKILL or exit 137 is oom; another signal is named', async () => {
    const [killed, exited, segv] = await Promise.all([
      run('crashy', { crash_epoch: 1, how: 'SIGKILL' }),
      run('crashy', { crash_epoch: 1, how: 'exit137' }),
      run('crashy', { crash_epoch: 1, how: 'SIGSEGV' }),
    ]);
    expect(killed).toMatchObject({ state: 'failed', end_reason: 'oom', end_signal: 'SIGKILL', exit_code: null });
    expect(killed.error_message).toMatch(/killed by SIGKILL \(out of memory\?\): crashy dying by SIGKILL/);
    expect(exited).toMatchObject({ state: 'failed', end_reason: 'oom', end_signal: 'SIGKILL', exit_code: 137 });
    expect(segv).toMatchObject({ state: 'failed', end_reason: 'killed_by_signal', end_signal: 'SIGSEGV' });
  });

  it('a run past its recipe time limit is stopped and ends as a timeout', async () => {
    const status = await run('time-limited');
    expect(status).toMatchObject({ state: 'failed', end_reason: 'timeout' });
    expect(status.error_message).toMatch(/time limit/);
    // stopped long before its 100,000 epochs: on a loaded machine Node's start-up alone can outlast the
    // one-second limit, and then the run printed no epoch at all
    expect(status.current_epoch ?? 0).toBeLessThan(100000);
  });
});
