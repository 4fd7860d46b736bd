import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, waitForState, type TestAgent } from '../helpers/agent-harness.js';

describe('Prometheus metrics', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent({ env: { TRAINER_NVIDIA_SMI: fileURLToPath(new URL('../stand-ins/nvidia-smi', import.meta.url)) } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('exposes runs by state, queue length, GPUs, requests and ingested points', async () => {
    const id = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 3, interval_ms: 5 }, start: true })).body.session_id;
    await waitForState(t.api, id, ['completed']);
    await t.api('GET', `/api/v1/training/${id}/status`);

    const response = await t.api('GET', '/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/plain/);
    const text: string = response.body;
    expect(text).toMatch(/^trainer_runs\{state="completed"\} 1$/m);
    expect(text).toMatch(/^trainer_runs\{state="running"\} 0$/m);
    expect(text).toMatch(/^trainer_queue_length 0$/m);
    expect(text).toMatch(/^trainer_gpu_utilization_percent\{gpu="0",name="NVIDIA A100-SXM4-40GB"\} 87$/m);
    expect(text).toMatch(/^trainer_gpu_temperature_celsius\{gpu="1",name="NVIDIA A100-SXM4-40GB"\} 34$/m);
    expect(text).not.toMatch(/^trainer_gpu_power_watts\{gpu="1"/m); // [N/A] is left out, not reported as 0
    expect(text).toMatch(/^trainer_metric_points_ingested_total 3$/m);
    expect(text).toMatch(/^trainer_runs_finished_total\{state="completed"\} 1$/m);
    expect(text).toMatch(/^trainer_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/training\/:sessionId\/status",status="200"\} [1-9]/m);
    expect(text).not.toContain(id); // route templates, never raw ids
  });

  it('needs a key like the rest of the API', async () => {
    expect((await fetch(`${t.url}/metrics`)).status).toBe(401);
  });
});
