import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';

// Seed 002: runs that only track what a client reports. No process, no concurrency slot, no GPU;
// the client logs metrics and ends the run.
describe('tracking-only runs', () => {
  let t: TestAgent;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'trainer-tracking-'));
    // one slot: a tracking run must never wait for it nor take it
    t = await startTestAgent({ dataDir, env: { MAX_CONCURRENT_SESSIONS: '1' } });
  });
  afterAll(async () => {
    await t?.close();
    await removeDir(dataDir);
  });

  const createTracking = (body: Record<string, unknown> = {}) => t.api('POST', '/api/v1/training/sessions', { tracking_only: true, ...body });

  it('goes straight to running beside a process run that holds the only slot, and does not take it', async () => {
    const busy = await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 1000, interval_ms: 1000 }, start: true });
    await waitForState(t.api, busy.body.session_id, ['running']);

    const created = await createTracking({ session_name: 'notebook', recipe: 'bert-finetune', params: { lr: 0.001, optimizer: 'adam' }, tags: ['colab'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'running', recipe: 'bert-finetune', config: { lr: 0.001, optimizer: 'adam' }, tracking_only: true });
    const status = (await t.api('GET', `/api/v1/training/${created.body.session_id}/status`)).body;
    expect(status).toMatchObject({ state: 'running', backend: 'tracking', gpus: 0, gpu_ids: [] });
    expect(status.start_time).not.toBeNull();

    await t.api('POST', `/api/v1/training/${busy.body.session_id}/stop`);
    // with a tracking run running, a process run still gets the only slot
    const next = await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 1, interval_ms: 10 }, start: true });
    await waitForState(t.api, next.body.session_id, ['completed']);
    const workers = (await t.api('GET', '/api/v1/training/sessions?status=running')).body.map((session: any) => session.session_id);
    expect(workers).toEqual([created.body.session_id]);
    await t.api('POST', `/api/v1/training/${created.body.session_id}/complete`, {});
  });

  it('takes metrics from the client and completes with its final metrics', async () => {
    const { session_id: id } = (await createTracking({ total_epochs: 2 })).body;
    expect(
      (
        await t.api('POST', `/api/v1/training/${id}/metrics`, {
          points: [
            { epoch: 1, metrics: { loss: 0.8, val_accuracy: 0.6 } },
            { epoch: 2, metrics: { loss: 0.5, val_accuracy: 0.75 } },
          ],
        })
      ).status,
    ).toBe(202);
    const summary = await waitFor(async () => {
      const body = (await t.api('GET', `/api/v1/training/${id}/metrics/summary`)).body;
      return body.metrics.val_accuracy?.count === 2 ? body.metrics : null;
    }, 'the summary to include both points');
    expect(summary.val_accuracy).toMatchObject({ current: 0.75, max: 0.75, min: 0.6 });
    await waitFor(async () => (await t.api('GET', `/api/v1/training/${id}/status`)).body.current_epoch === 2, 'the epoch to be followed');

    const completed = await t.api('POST', `/api/v1/training/${id}/complete`, {});
    expect(completed.status).toBe(200);
    expect(completed.body).toMatchObject({ session_id: id, status: 'completed', error_message: null, final_metrics: { loss: 0.5, val_accuracy: 0.75 } });
    expect((await t.api('GET', `/api/v1/training/${id}/status`)).body).toMatchObject({
      state: 'completed',
      end_reason: 'success',
      current_epoch: 2,
      total_epochs: 2,
    });
    const leaderboard = await t.api('GET', '/api/v1/leaderboard?metric=val_accuracy&mode=max');
    expect(JSON.stringify(leaderboard.body)).toContain(id);

    expect((await t.api('POST', `/api/v1/training/${id}/metrics`, { metrics: { loss: 0.1 } })).status).toBe(409);
    expect((await t.api('POST', `/api/v1/training/${id}/complete`, {})).status).toBe(409);
  });

  it('is ended failed with a message, or stopped', async () => {
    const failing = (await createTracking()).body.session_id;
    const failed = await t.api('POST', `/api/v1/training/${failing}/complete`, { failed: true, error_message: 'CUDA out of memory' });
    expect(failed.body).toMatchObject({ status: 'failed', error_message: 'CUDA out of memory' });
    expect((await t.api('GET', `/api/v1/training/${failing}/status`)).body).toMatchObject({ state: 'failed', end_reason: 'code_error' });

    const stopping = (await createTracking()).body.session_id;
    const stopped = await t.api('POST', `/api/v1/training/${stopping}/stop`);
    expect(stopped.body.state).toBe('stopped');
    expect((await t.api('GET', `/api/v1/training/${stopping}/status`)).body.end_reason).toBe('stopped_by_user');
  });

  it('refuses to complete what is not a tracking run, and bad bodies', async () => {
    const process = await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 1000, interval_ms: 1000 }, start: true });
    await waitForState(t.api, process.body.session_id, ['running']);
    expect((await t.api('POST', `/api/v1/training/${process.body.session_id}/complete`, {})).status).toBe(409);
    await t.api('POST', `/api/v1/training/${process.body.session_id}/stop`);
    expect((await t.api('POST', '/api/v1/training/sess_000000000000/complete', {})).status).toBe(404);
    const id = (await createTracking()).body.session_id;
    expect((await t.api('POST', `/api/v1/training/${id}/complete`, { failed: 'yes' })).status).toBe(422);
    expect((await t.api('POST', `/api/v1/training/${id}/complete`, { status: 'done' })).status).toBe(422);
    await t.api('POST', `/api/v1/training/${id}/stop`);
  });

  it('stays running across an agent restart and still takes metrics and its end', async () => {
    const id = (await createTracking()).body.session_id;
    await t.agent.close(); // the agent alone: the harness's close would stop the run
    t = await startTestAgent({ dataDir, env: { MAX_CONCURRENT_SESSIONS: '1' } });
    expect((await t.api('GET', `/api/v1/training/${id}/status`)).body.state).toBe('running');
    expect((await t.api('POST', `/api/v1/training/${id}/metrics`, { epoch: 1, metrics: { val_accuracy: 0.9 } })).status).toBe(202);
    await waitFor(async () => (await t.api('GET', `/api/v1/training/${id}/status`)).body.current_epoch === 1, 'the epoch to be followed after the restart');
    const completed = await t.api('POST', `/api/v1/training/${id}/complete`, {});
    expect(completed.body).toMatchObject({ status: 'completed', final_metrics: { val_accuracy: 0.9 } });
  });
});
