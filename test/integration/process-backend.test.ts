import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';

const create = (t: TestAgent, recipe: string, params: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  t.api('POST', '/api/v1/training/sessions', { recipe, params, start: true, ...extra });

const logMessages = async (t: TestAgent, id: string): Promise<string[]> =>
  (await t.api('GET', `/api/v1/training/${id}/logs?limit=1000`)).body.map((entry: { message: string }) => entry.message);

describe('process backend', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent({ env: { MAX_CONCURRENT_SESSIONS: '4' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('records a non-zero exit as failed, with the code and the last error line', async () => {
    const id = (await create(t, 'ticker', { epochs: 2, interval_ms: 10, exit_code: 3 })).body.session_id;
    const status = await waitForState(t.api, id, ['completed', 'failed']);
    expect(status).toMatchObject({ state: 'failed', exit_code: 3, end_reason: 'code_error' });
    expect(status.error_message).toMatch(/exited with code 3: ERROR ticker failing on purpose/);
  });

  it('a command that does not exist fails with a clear message', async () => {
    const id = (await create(t, 'missing-command')).body.session_id;
    const status = await waitForState(t.api, id, ['completed', 'failed']);
    expect(status).toMatchObject({ state: 'failed', end_reason: 'launch_error' });
    expect(status.error_message).toMatch(/Cannot start \/nonexistent\/definitely-not-here: .*ENOENT/);
  });

  it('passes parameters as single argv entries: no shell, no injection', async () => {
    const word = 'a b; touch /tmp/trainer-pwned $(id) `id` "q"';
    const id = (await create(t, 'echo-args', { word })).body.session_id;
    await waitForState(t.api, id, ['completed']);
    const printed = (await logMessages(t, id)).find((message) => message.startsWith('['));
    expect(JSON.parse(printed!)).toEqual([word]);
  });

  it('reads text metrics with the recipe regex', async () => {
    const id = (await create(t, 'text-metrics')).body.session_id;
    await waitForState(t.api, id, ['completed']);
    const history = (await t.api('GET', `/api/v1/training/${id}/history`)).body;
    expect(history.map((point: { epoch: number; loss: number; accuracy: number }) => [point.epoch, point.loss, point.accuracy])).toEqual([
      [1, 0.8, 0.6],
      [2, 0.7, 0.7],
      [3, 0.6, 0.8],
    ]);
    expect(await logMessages(t, id)).toContain('plain line');
  });

  it('stores log lines without colours and with bars collapsed; raw_output keeps the output as printed beside them', async () => {
    const raw = (await create(t, 'colours')).body.session_id;
    const plain = (await create(t, 'colours-plain')).body.session_id;
    for (const id of [raw, plain]) await waitForState(t.api, id, ['completed']);
    for (const id of [raw, plain]) expect(await logMessages(t, id)).toEqual(expect.arrayContaining(['INFO starting', '3/3 [###]', 'done']));
    const printed = await readFile(join(t.dataDir, 'runs', raw, 'raw-output.log'), 'utf8');
    expect(printed).toContain('\u001b[32mINFO\u001b[0m starting\n');
    expect(printed).toContain('\r0/3 [\u001b[34m\u001b[0m]\r1/3 [\u001b[34m#\u001b[0m]');
    expect(printed).toContain('\u001b[1;31mdone\u001b[0m\n');
    expect(existsSync(join(t.dataDir, 'runs', plain, 'raw-output.log'))).toBe(false); // only when asked
  });

  it('stop escalates to SIGKILL when the process ignores SIGTERM', async () => {
    const id = (await create(t, 'stubborn')).body.session_id;
    await waitFor(async () => (await logMessages(t, id)).includes('stubborn running'), 'the process to run');
    const stopped = await t.api('POST', `/api/v1/training/${id}/stop`);
    expect(stopped.status).toBe(200);
    const status = (await t.api('GET', `/api/v1/training/${id}/status`)).body;
    expect(status).toMatchObject({ state: 'stopped', end_reason: 'stopped_by_user' });
    const messages = await logMessages(t, id);
    expect(messages).toContain('got SIGTERM, ignoring it');
    expect(messages).toContain('Process killed by SIGKILL');
  });

  it("a stop sent while the run is starting up is never lost, whenever it lands in the supervisor's start-up", async () => {
    // the supervisor takes ~100-300 ms to boot and read its spec; sweep the stop across that window
    const ids: string[] = [];
    for (let delayMs = 0; delayMs <= 300; delayMs += 20) {
      const id = (await create(t, 'ticker', { epochs: 100000, interval_ms: 100 })).body.session_id;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      await t.api('POST', `/api/v1/training/${id}/stop`);
      ids.push(id);
    }
    for (const id of ids) expect((await waitForState(t.api, id, ['stopped', 'completed', 'failed'], 20_000)).state).toBe('stopped');
  });

  it('stopping a queued run cancels it', async () => {
    const created = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: {} })).body;
    expect(created.status).toBe('created');
    const stopped = await t.api('POST', `/api/v1/training/${created.session_id}/stop`);
    expect(stopped.body.message).toMatch(/cancelled successfully/);
  });
});

describe('scheduler with GPUs (stand-in nvidia-smi with 2 GPUs)', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent({ env: { MAX_CONCURRENT_SESSIONS: '3', TRAINER_NVIDIA_SMI: fileURLToPath(new URL('../stand-ins/nvidia-smi', import.meta.url)) } });
  });
  afterAll(async () => {
    await t.close();
  });

  const visibleDevices = async (id: string) => {
    const line = await waitFor(async () => (await logMessages(t, id)).find((message) => message.includes('CUDA_VISIBLE_DEVICES=')), 'the ticker banner');
    return /CUDA_VISIBLE_DEVICES=(\S*)/.exec(line)![1];
  };

  it('gives each run its own GPUs, never shared, and holds a run until its GPUs are free', async () => {
    const a = (await create(t, 'ticker', { epochs: 1000, interval_ms: 50 }, { gpus: 1 })).body.session_id;
    const b = (await create(t, 'ticker', { epochs: 1000, interval_ms: 50 }, { gpus: 1 })).body.session_id;
    const devices = [await visibleDevices(a), await visibleDevices(b)];
    expect(devices.sort()).toEqual(['0', '1']);

    // both GPUs are held: a 2-GPU run waits although a slot is free; a 0-GPU run behind it waits too (strict order)
    const c = (await create(t, 'ticker', { epochs: 2, interval_ms: 10 }, { gpus: 2 })).body;
    expect(c.status).toBe('queued');
    const d = (await create(t, 'ticker', { epochs: 1, interval_ms: 10 }, { gpus: 0 })).body;
    expect(d.status).toBe('queued');

    await t.api('POST', `/api/v1/training/${a}/stop`);
    expect((await t.api('GET', `/api/v1/training/${c.session_id}/status`)).body.state).toBe('queued');
    await t.api('POST', `/api/v1/training/${b}/stop`);
    await waitForState(t.api, c.session_id, ['running', 'completed']);
    expect(await visibleDevices(c.session_id)).toBe('0,1');
    expect((await t.api('GET', `/api/v1/training/${c.session_id}/status`)).body.gpu_ids).toEqual([0, 1]);
    expect(await visibleDevices(d.session_id)).toBe('');
  });

  it('refuses a run that asks for more GPUs than exist with 422', async () => {
    const response = await create(t, 'ticker', {}, { gpus: 3 });
    expect(response.status).toBe(422);
    expect(response.body.detail).toBe('The run asks for 3 GPUs, but this machine has 2');
  });
});

describe('priorities', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent();
  });
  afterAll(async () => {
    await t.close();
  });

  it('starts higher priority first, FIFO within a priority', async () => {
    const blocker = (await create(t, 'ticker', { epochs: 1000, interval_ms: 50 })).body.session_id;
    const low = (await create(t, 'ticker', { epochs: 1, interval_ms: 1 }, { priority: 0 })).body.session_id;
    const high1 = (await create(t, 'ticker', { epochs: 1, interval_ms: 1 }, { priority: 5 })).body.session_id;
    const high2 = (await create(t, 'ticker', { epochs: 1, interval_ms: 1 }, { priority: 5 })).body.session_id;
    const queue = (await t.api('GET', '/api/v1/training/queue')).body.map((s: { session_id: string }) => s.session_id);
    expect(queue).toEqual([high1, high2, low]);
    await t.api('POST', `/api/v1/training/${blocker}/stop`);
    const ends = [];
    for (const id of [high1, high2, low]) ends.push(await waitForState(t.api, id, ['completed']));
    expect(Date.parse(ends[0].start_time)).toBeLessThanOrEqual(Date.parse(ends[1].start_time));
    expect(Date.parse(ends[1].start_time)).toBeLessThanOrEqual(Date.parse(ends[2].start_time));
  });
});
