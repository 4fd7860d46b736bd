import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Issue 14, finding 6: a supervisor killed outright must not leave its training running with the GPUs given away. */
describe('a supervisor killed with SIGKILL (stand-in nvidia-smi with 2 GPUs)', () => {
  let t: TestAgent;
  const leftovers: number[] = [];
  beforeAll(async () => {
    t = await startTestAgent({ env: { MAX_CONCURRENT_SESSIONS: '2', TRAINER_NVIDIA_SMI: fileURLToPath(new URL('../stand-ins/nvidia-smi', import.meta.url)) } });
  });
  afterAll(async () => {
    for (const pid of leftovers) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await t.close();
  });

  it('takes its process group with it; the run ends failed/lost, and its GPUs are freed, only once nothing of it runs', async () => {
    const id = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'orphan-worker', params: {}, start: true, gpus: 2 })).body.session_id;
    const banner = await waitFor(async () => {
      const logs = (await t.api('GET', `/api/v1/training/${id}/logs?limit=100`)).body as { message: string }[];
      return logs.map((entry) => entry.message).find((message) => message.startsWith('worker pid='));
    }, 'the worker to start');
    const [worker, supervisor, child] = /pid=(\d+) ppid=(\d+) child=(\d+)/.exec(banner)!.slice(1).map(Number) as [number, number, number];
    leftovers.push(worker, child);
    // a second run needs both GPUs: it may start only once the first run's processes are gone
    const next = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 1, interval_ms: 1 }, start: true, gpus: 2 })).body
      .session_id;
    expect((await t.api('GET', `/api/v1/training/${next}/status`)).body.state).toBe('queued');

    process.kill(supervisor, 'SIGKILL');
    // each sample reads the runs' states before looking at the processes: a run seen ended while its worker is seen alive afterwards was ended too early
    const samples: { state: string; next: string; workerAlive: boolean; childAlive: boolean }[] = [];
    await waitFor(
      async () => {
        const state = (await t.api('GET', `/api/v1/training/${id}/status`)).body.state as string;
        const nextState = (await t.api('GET', `/api/v1/training/${next}/status`)).body.state as string;
        samples.push({ state, next: nextState, workerAlive: alive(worker), childAlive: alive(child) });
        return state !== 'running' && nextState !== 'queued';
      },
      'the run to end and the next to start',
      60_000,
    );

    for (const sample of samples) if (sample.workerAlive || sample.childAlive) expect(sample).toMatchObject({ state: 'running', next: 'queued' });
    expect(alive(worker)).toBe(false);
    expect(alive(child)).toBe(false);
    const status = (await t.api('GET', `/api/v1/training/${id}/status`)).body;
    expect(status).toMatchObject({ state: 'failed', end_reason: 'lost' });
    expect(status.error_message).toMatch(
      /supervisor ended without recording an exit status; its process group \d+ was still running: ended by the agent with SIGTERM, then SIGKILL after 2000 ms/,
    );
    expect((await waitForState(t.api, next, ['completed', 'failed'])).state).toBe('completed');
  });
});
