import { access, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, waitFor, waitForState } from '../helpers/agent-harness.js';
import { AGENT_START_TIMEOUT_MS, killHard, spawnAgentProcess, stopGracefully, type AgentProcess } from '../helpers/agent-process.js';

/** A run's files, as the supervisor writes them whether an agent is up or not. */
const runFile = (dataDir: string, runId: string, name: string) => join(dataDir, 'runs', runId, name);
const epochsRecorded = async (dataDir: string, runId: string) =>
  (await readFile(runFile(dataDir, runId, 'metrics.jsonl'), 'utf8').catch(() => '')).split('\n').filter(Boolean).length;

// each test starts two agent processes, each allowed AGENT_START_TIMEOUT_MS on a loaded machine
describe('kill -9 of the agent', { timeout: 3 * AGENT_START_TIMEOUT_MS }, () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function agentOn(dataDir: string): Promise<AgentProcess> {
    const agent = await spawnAgentProcess(dataDir);
    cleanups.push(() => stopGracefully(agent));
    return agent;
  }

  it('loses nothing: the running run keeps training, its metrics have no gap, the queue starts in order', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'trainer-kill9-'));
    cleanups.push(() => removeDir(dataDir));
    const first = await agentOn(dataDir);

    const submit = (params: Record<string, string>) => first.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params, start: true });
    const running = (await submit({ epochs: '30', interval_ms: '100' })).body.session_id;
    const queuedA = (await submit({ epochs: '2', interval_ms: '20' })).body.session_id;
    const queuedB = (await submit({ epochs: '2', interval_ms: '20' })).body.session_id;
    expect((await first.api('GET', '/api/v1/training/queue')).body.map((s: { session_id: string }) => s.session_id)).toEqual([queuedA, queuedB]);
    await waitFor(async () => (await first.api('GET', `/api/v1/training/${running}/status`)).body.current_epoch >= 3, 'epoch 3');

    await killHard(first);
    // training goes on while no agent is up: two more epochs recorded with none to watch
    const atKill = await epochsRecorded(dataDir, running);
    await waitFor(async () => (await epochsRecorded(dataDir, running)) >= atKill + 2, 'two epochs trained without an agent');

    const second = await agentOn(dataDir);
    const status = (await second.api('GET', `/api/v1/training/${running}/status`)).body;
    expect(['running', 'completed']).toContain(status.state);
    const finished = await waitForState(second.api, running, ['completed', 'failed', 'stopped']);
    expect(finished).toMatchObject({ state: 'completed', exit_code: 0, current_epoch: 30 });

    const epochs = (await second.api('GET', `/api/v1/training/${running}/history`)).body.map((point: { epoch: number }) => point.epoch);
    expect(epochs).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const logs = (await second.api('GET', `/api/v1/training/${running}/logs?limit=1000`)).body.map((entry: { message: string }) => entry.message);
    for (let epoch = 1; epoch <= 30; epoch++) expect(logs).toContain(`Epoch ${epoch}/30 completed`);

    const a = await waitForState(second.api, queuedA, ['completed', 'failed']);
    const b = await waitForState(second.api, queuedB, ['completed', 'failed']);
    expect([a.state, b.state]).toEqual(['completed', 'completed']);
    expect(Date.parse(a.start_time)).toBeGreaterThanOrEqual(Date.parse(finished.end_time));
    expect(Date.parse(b.start_time)).toBeGreaterThanOrEqual(Date.parse(a.end_time));
  });

  it('finalizes a run that ended while the agent was down, from its recorded exit code', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'trainer-kill9-'));
    cleanups.push(() => removeDir(dataDir));
    const first = await agentOn(dataDir);
    const id = (await first.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 3, interval_ms: 100, exit_code: 3 }, start: true }))
      .body.session_id;
    await waitFor(async () => (await first.api('GET', `/api/v1/training/${id}/status`)).body.current_epoch >= 1, 'epoch 1');
    await killHard(first);
    // the run ends (exit code 3) with no agent to watch it: its supervisor records how it ended
    await waitFor(
      () =>
        access(runFile(dataDir, id, 'exit.json')).then(
          () => true,
          () => false,
        ),
      'the run to end while no agent is up',
    );

    const second = await agentOn(dataDir);
    const finished = await waitForState(second.api, id, ['completed', 'failed', 'stopped']);
    expect(finished).toMatchObject({ state: 'failed', exit_code: 3, end_reason: 'code_error' });
    expect(finished.error_message).toMatch(/exited with code 3/);
  });

  it('a graceful restart leaves the run running too, and it can be stopped by the next agent', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'trainer-kill9-'));
    cleanups.push(() => removeDir(dataDir));
    const first = await agentOn(dataDir);
    const id = (await first.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 1000, interval_ms: 50 }, start: true })).body
      .session_id;
    await waitFor(async () => (await first.api('GET', `/api/v1/training/${id}/status`)).body.current_epoch >= 1, 'epoch 1');
    expect(await stopGracefully(first)).toBe(0);

    const second = await agentOn(dataDir);
    expect((await second.api('GET', `/api/v1/training/${id}/status`)).body.state).toBe('running');
    const stopped = await second.api('POST', `/api/v1/training/${id}/stop`);
    expect(stopped.status).toBe(200);
    expect((await second.api('GET', `/api/v1/training/${id}/status`)).body.state).toBe('stopped');
  });
});
