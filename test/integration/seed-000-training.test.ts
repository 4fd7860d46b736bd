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
    expect(started.body).toEqual({
      session_id: expect.stringMatching(/^sess_[0-9a-f]{12}$/),
      status: 'running',
      message: 'Training session created and started',
    });
    const id = started.body.session_id;

    // With MAX_CONCURRENT_SESSIONS=1 the next two wait in the queue, in order.
    const second = await t.api('POST', '/api/v1/training/start', { ...startBody, epochs: 2 });
    const third = await t.api('POST', '/api/v1/training/start', { ...startBody, epochs: 2 });
    expect(second.body.status).toBe('queued');
    const queue = await t.api('GET', '/api/v1/training/queue');
    expect(queue.body.map((s: { session_id: string }) => s.session_id)).toEqual([second.body.session_id, third.body.session_id]);
    expect(queue.body[0]).toMatchObject({
      config: { model_architecture: 'mlp', dataset_name: 'spirals', epochs: 2 },
      status: { state: 'queued', current_epoch: null, total_epochs: 2 },
    });

    const status = await waitFor(async () => {
      const { body } = await t.api('GET', `/api/v1/training/${id}/status`);
      return body.current_epoch >= 2 ? body : null;
    }, 'two epochs');
    expect(status).toMatchObject({ session_id: id, state: 'running', total_epochs: 1000, end_time: null, error_message: null });
    expect(Date.parse(status.start_time)).not.toBeNaN();

    const metrics = await t.api('GET', `/api/v1/training/${id}/metrics`);
    expect(metrics.body).toMatchObject({
      session_id: id,
      epoch: expect.any(Number),
      loss: expect.any(Number),
      accuracy: expect.any(Number),
      val_loss: expect.any(Number),
      val_accuracy: expect.any(Number),
    });
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

  it('the default recipe (tfjs) really trains: loss falls and validation accuracy beats chance', async () => {
    const started = await t.api('POST', '/api/v1/training/start', {
      model_architecture: 'mlp',
      dataset_name: 'blobs',
      learning_rate: 0.01,
      batch_size: 32,
      epochs: 5,
    });
    const done = await waitForState(t.api, started.body.session_id, ['completed', 'failed']);
    expect(done.state).toBe('completed');
    const history = (await t.api('GET', `/api/v1/training/${started.body.session_id}/history`)).body;
    expect(history).toHaveLength(5);
    expect(history[4].loss).toBeLessThan(history[0].loss);
    expect(history[4].val_accuracy).toBeGreaterThan(0.5); // 4 classes: chance is 0.25
  });

  it("trains on a CSV uploaded through seed 000's datasets API, with seed 000's body only", async () => {
    const rows = ['x1,x2,target'];
    for (let i = 0; i < 200; i++) {
      const label = i % 2;
      rows.push(`${(label ? 2 : -2) + Math.sin(i)},${(label ? -1 : 1) + Math.cos(i * 3) / 2},${label ? 'yes' : 'no'}`);
    }
    const form = new FormData();
    form.append('file', new Blob([rows.join('\n') + '\n']), 'lab.csv');
    const upload = await fetch(`${t.url}/api/v1/datasets?dataset_name=lab`, { method: 'POST', headers: { authorization: 'Bearer test-key-1' }, body: form });
    expect(upload.status).toBe(200);
    const started = await t.api('POST', '/api/v1/training/start', {
      model_architecture: 'mlp',
      dataset_name: 'lab',
      learning_rate: 0.05,
      batch_size: 16,
      epochs: 3,
      optimizer: 'adam',
      loss_function: 'cross_entropy',
    });
    expect(started.status).toBe(200);
    const done = await waitForState(t.api, started.body.session_id, ['completed', 'failed'], 90_000);
    expect(done).toMatchObject({ state: 'completed', recipe: 'tfjs', error_message: null });
    const history = (await t.api('GET', `/api/v1/training/${started.body.session_id}/history`)).body;
    expect(history).toHaveLength(3);
    expect(history[2].val_accuracy).toBeGreaterThan(0.5);
  });

  it('refuses at submission an uploaded table too big to read then, when it has no label column', async () => {
    const rows = ['a,b,c'];
    for (let i = 0; i < 450_000; i++) rows.push(`${i % 7},${i % 11},${i % 13}`);
    const form = new FormData();
    form.append('file', new Blob([rows.join('\n') + '\n']), 'wide.csv');
    const upload = await fetch(`${t.url}/api/v1/datasets?dataset_name=unlabelled`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-key-1' },
      body: form,
    });
    expect(upload.status).toBe(200);
    const started = await t.api('POST', '/api/v1/training/start', {
      model_architecture: 'mlp',
      dataset_name: 'unlabelled',
      learning_rate: 0.01,
      batch_size: 32,
      epochs: 1,
    });
    expect(started.status).toBe(422);
    expect(started.body.detail).toMatch(/dataset 'unlabelled': the dataset has no 'label' column: name the label column \(columns: a, b, c\)/);
  });

  it('refuses at submission what the default recipe cannot do: architectures (all recipes named) and datasets (listed)', async () => {
    const before = (await t.api('GET', '/api/v1/training/sessions')).headers.get('x-total-count');
    const body = { model_architecture: 'mlp', dataset_name: 'spirals', learning_rate: 0.001, batch_size: 32, epochs: 10 };
    const resnet = await t.api('POST', '/api/v1/training/start', { ...body, model_architecture: 'resnet50', dataset_name: 'cifar10' });
    expect(resnet.status).toBe(422);
    expect(resnet.body.detail).toMatch(/model_architecture 'resnet50' is not one that recipe 'tfjs' builds \(mlp, cnn, resnet-mini\)/);
    expect(resnet.body.detail).toMatch(/demo-mlp: mlp, linear/);
    expect(resnet.body.detail).toMatch(/not aliased; resnet-mini/);
    const linear = await t.api('POST', '/api/v1/training/start', { ...body, model_architecture: 'linear' });
    expect(linear.status).toBe(422);
    expect(linear.body.detail).toMatch(/Recipe 'demo-mlp' builds it: add "recipe": "demo-mlp"/);
    const dataset = await t.api('POST', '/api/v1/training/start', { ...body, dataset_name: 'cifar10' });
    expect(dataset.status).toBe(404);
    expect(dataset.body.detail).toMatch(/Dataset 'cifar10' not found\. Datasets: spirals, blobs, circles, iris, digits/);
    const lr = await t.api('POST', '/api/v1/training/start', { ...body, learning_rate: 2 });
    expect(lr.status).toBe(422); // seed 000's range, though the tfjs recipe itself takes up to 10
    expect((await t.api('GET', '/api/v1/training/sessions')).headers.get('x-total-count')).toBe(before);
    // linear is still there, by naming its recipe
    const named = await t.api('POST', '/api/v1/training/sessions', { recipe: 'demo-mlp', params: { model_architecture: 'linear', epochs: 1 } });
    expect(named.status).toBe(201);
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
