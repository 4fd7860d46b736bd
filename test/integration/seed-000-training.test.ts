import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';

// Seed 000's "Complete Training Workflow" and its training curl examples, against a real agent.
describe('seed 000 training contract', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent();
  });
  afterAll(async () => {
    await t.close();
  });

  const startBody = { model_architecture: 'mlp', dataset_name: 'spirals', learning_rate: 0.01, batch_size: 32, epochs: 1000 };

  it('health and root are public', async () => {
    const health = await fetch(`${t.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'healthy', version: expect.any(String) });
    expect((await fetch(`${t.url}/`)).status).toBe(200);
  });

  it('runs the complete workflow: start, status, metrics, logs, queue, cancel, stop', async () => {
    const datasets = await t.api('GET', '/api/v1/datasets');
    expect(datasets.body.map((d: { name: string }) => d.name)).toContain('spirals');

    const started = await t.api('POST', '/api/v1/training/start', startBody);
    expect(started.status).toBe(200);
    expect(started.body).toEqual({ session_id: expect.stringMatching(/^sess_[0-9a-f]{12}$/), status: 'running', message: 'Training session created and started' });
    const id = started.body.session_id;

    // With MAX_CONCURRENT_SESSIONS=1 the next two wait in the queue, in order.
    const second = await t.api('POST', '/api/v1/training/start', { ...startBody, epochs: 2 });
    const third = await t.api('POST', '/api/v1/training/start', { ...startBody, epochs: 2 });
    expect(second.body.status).toBe('queued');
    const queue = await t.api('GET', '/api/v1/training/queue');
    expect(queue.body.map((s: { session_id: string }) => s.session_id)).toEqual([second.body.session_id, third.body.session_id]);
    expect(queue.body[0]).toMatchObject({ config: { model_architecture: 'mlp', dataset_name: 'spirals', epochs: 2 }, status: { state: 'queued', current_epoch: null, total_epochs: 2 } });

    const status = await waitFor(async () => {
      const { body } = await t.api('GET', `/api/v1/training/${id}/status`);
      return body.current_epoch >= 2 ? body : null;
    }, 'two epochs');
    expect(status).toMatchObject({ session_id: id, state: 'running', total_epochs: 1000, end_time: null, error_message: null });
    expect(Date.parse(status.start_time)).not.toBeNaN();

    const metrics = await t.api('GET', `/api/v1/training/${id}/metrics`);
    expect(metrics.body).toMatchObject({ session_id: id, epoch: expect.any(Number), loss: expect.any(Number), accuracy: expect.any(Number), val_loss: expect.any(Number), val_accuracy: expect.any(Number) });
    expect(Date.parse(metrics.body.timestamp)).not.toBeNaN();

    const history = await t.api('GET', `/api/v1/training/${id}/history`);
    expect(history.body.length).toBeGreaterThanOrEqual(2);
    expect(history.body[0]).toMatchObject({ session_id: id, epoch: 1, loss: expect.any(Number) });

    const logs = await t.api('GET', `/api/v1/training/${id}/logs?limit=100`);
    expect(logs.body.length).toBeGreaterThan(0);
    expect(logs.body.length).toBeLessThanOrEqual(100);
    expect(logs.body.some((entry: { message: string }) => /Epoch \d+\/1000 completed/.test(entry.message))).toBe(true);
    expect(logs.body[0]).toMatchObject({ session_id: id, timestamp: expect.any(String), level: expect.any(String), message: expect.any(String) });

    const cancelled = await t.api('DELETE', `/api/v1/training/queue/${third.body.session_id}`);
    expect(cancelled.body).toEqual({ message: `Queued session ${third.body.session_id} cancelled successfully` });
    expect((await t.api('GET', `/api/v1/training/${third.body.session_id}/status`)).body.state).toBe('cancelled');

    const stopped = await t.api('POST', `/api/v1/training/${id}/stop`);
    expect(stopped.status).toBe(200);
    expect(stopped.body.message).toBe(`Training session ${id} stopped successfully`);
    expect((await t.api('GET', `/api/v1/training/${id}/status`)).body).toMatchObject({ state: 'stopped', end_time: expect.any(String) });

    // the freed slot goes to the next queued run, which completes
    const done = await waitForState(t.api, second.body.session_id, ['completed', 'failed']);
    expect(done).toMatchObject({ state: 'completed', current_epoch: 2, exit_code: 0 });

    const again = await t.api('POST', `/api/v1/training/${id}/stop`);
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/already stopped/);

    const sessions = await t.api('GET', '/api/v1/training/sessions');
    expect(sessions.headers.get('x-total-count')).toBe('3');
    expect(sessions.body.map((s: { session_id: string }) => s.session_id)).toEqual([third.body.session_id, second.body.session_id, id]);
    const filtered = await t.api('GET', '/api/v1/training/sessions?status=completed&limit=1&offset=0');
    expect(filtered.body.map((s: { session_id: string }) => s.session_id)).toEqual([second.body.session_id]);
  });

  it('the demo recipe really trains: loss falls and validation accuracy beats chance', async () => {
    const started = await t.api('POST', '/api/v1/training/start', { model_architecture: 'mlp', dataset_name: 'blobs', learning_rate: 0.01, batch_size: 32, epochs: 5 });
    const done = await waitForState(t.api, started.body.session_id, ['completed', 'failed']);
    expect(done.state).toBe('completed');
    const history = (await t.api('GET', `/api/v1/training/${started.body.session_id}/history`)).body;
    expect(history).toHaveLength(5);
    expect(history[4].loss).toBeLessThan(history[0].loss);
    expect(history[4].val_accuracy).toBeGreaterThan(0.5); // 4 classes: chance is 0.25
  });

  it('answers unknown sessions with 404 and a detail', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/training/sess_invalid/status'],
      ['GET', '/api/v1/training/sess_invalid/metrics'],
      ['GET', '/api/v1/training/sess_invalid/history'],
      ['GET', '/api/v1/training/sess_invalid/logs'],
      ['POST', '/api/v1/training/sess_invalid/stop'],
      ['DELETE', '/api/v1/training/queue/sess_invalid'],
    ]) {
      const response = await t.api(method!, path!);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body).toEqual({ detail: "Session 'sess_invalid' not found", code: 'run_not_found' });
    }
  });
});
