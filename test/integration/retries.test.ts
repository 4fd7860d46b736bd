import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../cli/cli-helpers.js';
import { API_KEY, removeDir, startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';

const submit = async (t: TestAgent, recipe: string, params: Record<string, unknown>) => {
  const created = await t.api('POST', '/api/v1/training/sessions', { recipe, params, start: true });
  expect(created.status).toBe(201);
  return created.body.session_id as string;
};

describe('retries', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent({ env: { MAX_CONCURRENT_SESSIONS: '4' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('a run killed for memory on its first attempt is retried as the same run, resumes from its checkpoint, and completes with 2 attempts', async () => {
    const id = await submit(t, 'crashy-retried', { epochs: 3, crash_epoch: 2, crashes: 1, how: 'SIGKILL' });
    const status = await waitForState(t.api, id, ['completed', 'failed', 'stopped']);
    expect(status).toMatchObject({ session_id: id, state: 'completed', end_reason: 'success', max_retries: 2 });
    expect(status.attempts).toHaveLength(2);
    expect(status.attempts[0]).toMatchObject({ n: 1, end_reason: 'oom', end_signal: 'SIGKILL', resumed_from: null });
    expect(status.attempts[1]).toMatchObject({ n: 2, end_reason: 'success', exit_code: 0 });
    expect(status.attempts[1].resumed_from).toMatch(/output\/checkpoints\/epoch-0001\.json$/);
    expect(status.attempts[0].ended_at).not.toBeNull();
    // epoch 1 from the first attempt, 2 and 3 from the second, which resumed after epoch 1
    const history = (await t.api('GET', `/api/v1/training/${id}/history`)).body;
    expect(history.map((point: { epoch: number; attempt: number }) => [point.epoch, point.attempt])).toEqual([
      [1, 1],
      [2, 2],
      [3, 2],
    ]);
    const logs = (await t.api('GET', `/api/v1/training/${id}/logs?limit=1000`)).body.map((entry: { message: string }) => entry.message);
    expect(logs.some((message: string) => /Attempt 1 ended: oom .*retrying \(attempt 2 of at most 3\)/.test(message))).toBe(true);
    const session = (await t.api('GET', `/api/v1/training/sessions/${id}`)).body;
    expect(session.attempts).toHaveLength(2);
    const shown = await cli(t.url, ['run', 'status', id]);
    expect(shown.stdout).toMatch(/attempts:\s+2 of at most 3: 1 oom, 2 success \(resumed\)/);
  });

  it("a retry resumes from the run's newest registered checkpoint when it has one", async () => {
    const id = await submit(t, 'crashy-retried', { epochs: 4, crash_epoch: 3, crashes: 1, how: 'SIGKILL', interval_ms: 400 });
    await waitFor(async () => (await t.api('GET', `/api/v1/training/${id}/status`)).body.current_epoch >= 1, 'the first epoch');
    const form = new FormData();
    form.append('session_id', id);
    form.append('epoch', '2');
    form.append('file', new Blob([JSON.stringify({ epoch: 2 })]), 'epoch-2.json');
    const uploaded = await fetch(`${t.url}/api/v1/checkpoints`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}` }, body: form });
    expect(uploaded.status).toBe(200);
    const checkpoint = await uploaded.json();
    const status = await waitForState(t.api, id, ['completed', 'failed', 'stopped']);
    expect(status.state).toBe('completed');
    expect(status.attempts[1].resumed_from).toBe(checkpoint.file_path);
    const history = (await t.api('GET', `/api/v1/training/${id}/history`)).body;
    expect(history.map((point: { epoch: number; attempt: number }) => [point.epoch, point.attempt])).toEqual([
      [1, 1],
      [2, 1],
      [3, 2],
      [4, 2],
    ]);
  });

  it('gives up after max_retries, and never retries a reason outside retry_on', async () => {
    const [always, segv, plain] = await Promise.all([
      submit(t, 'crashy-retried', { crash_epoch: 1, crashes: 10, how: 'exit137' }),
      submit(t, 'crashy-retried', { crash_epoch: 1, how: 'SIGSEGV' }),
      submit(t, 'crashy', { crash_epoch: 1, how: 'SIGKILL' }),
    ]);
    const gaveUp = await waitForState(t.api, always, ['completed', 'failed']);
    expect(gaveUp).toMatchObject({ state: 'failed', end_reason: 'oom', exit_code: 137 });
    expect(gaveUp.attempts.map((attempt: { end_reason: string }) => attempt.end_reason)).toEqual(['oom', 'oom', 'oom']);
    const notRetried = await waitForState(t.api, segv, ['completed', 'failed']);
    expect(notRetried).toMatchObject({ state: 'failed', end_reason: 'killed_by_signal' });
    expect(notRetried.attempts).toHaveLength(1);
    const noPolicy = await waitForState(t.api, plain, ['completed', 'failed']);
    expect(noPolicy).toMatchObject({ state: 'failed', end_reason: 'oom', max_retries: 0 });
    expect(noPolicy.attempts).toHaveLength(1);
  });
});

describe('retries across an agent restart', () => {
  it('the attempts are persisted, and the retried attempt is re-attached and completes', async () => {
    let t = await startTestAgent();
    const dataDir = t.dataDir;
    try {
      // keep the data dir: the second agent takes over
      const id = await submit(t, 'crashy-retried', { epochs: 8, crash_epoch: 1, crashes: 1, how: 'SIGKILL', interval_ms: 150 });
      await waitFor(async () => {
        const { body } = await t.api('GET', `/api/v1/training/${id}/status`);
        return body.state === 'running' && body.attempts.length === 2 && body.current_epoch >= 1;
      }, 'the second attempt to run');
      await t.agent.close(); // the training process goes on without the agent
      t = await startTestAgent({ dataDir });
      const status = await waitForState(t.api, id, ['completed', 'failed', 'stopped']);
      expect(status).toMatchObject({ state: 'completed', end_reason: 'success' });
      expect(status.attempts.map((attempt: { n: number; end_reason: string }) => [attempt.n, attempt.end_reason])).toEqual([
        [1, 'oom'],
        [2, 'success'],
      ]);
    } finally {
      await t.close();
      await removeDir(dataDir);
    }
  });
});
