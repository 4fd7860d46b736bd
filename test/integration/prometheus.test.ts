import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';

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
    // the API shows the end as soon as it is in the record; the counter moves once the record is written
    await waitFor(async () => /^trainer_runs_finished_total\{state="completed"\} 1$/m.test((await t.api('GET', '/metrics')).body), 'the finished-runs counter');

    const response = await t.api('GET', '/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/plain/);
    const text: string = response.body;
    expect(text).toMatch(/^trainer_runs\{state="completed"\} 1$/m);
    expect(text).toMatch(/^trainer_runs\{state="running"\} 0$/m);
    expect(text).toMatch(/^trainer_queue_length 0$/m);
    expect(text).toMatch(/^trainer_gpu_utilization_percent\{gpu="0",name="NVIDIA A100-SXM4-40GB",run_id=""\} 87$/m);
    expect(text).toMatch(/^trainer_gpu_temperature_celsius\{gpu="1",name="NVIDIA A100-SXM4-40GB",run_id=""\} 34$/m);
    expect(text).not.toMatch(/^trainer_gpu_power_watts\{gpu="1"/m); // [N/A] is left out, not reported as 0
    expect(text).toMatch(/^trainer_metric_points_ingested_total 3$/m);
    expect(text).toMatch(/^trainer_runs_finished_total\{state="completed"\} 1$/m);
    expect(text).toMatch(/^trainer_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/training\/\{sessionId\}\/status",status="200"\} [1-9]/m);
    // route templates, never raw ids
    expect(text.split('\n').filter((line) => line.startsWith('trainer_http_request') && line.includes(id))).toEqual([]);
  });

  it("exports the ended run's training metrics, epoch, progress and state by run_id", async () => {
    const id = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 4, interval_ms: 5 }, start: true })).body.session_id;
    await waitForState(t.api, id, ['completed']);
    const text: string = (await t.api('GET', '/metrics')).body;
    expect(text).toContain(`trainer_run_metric{run_id="${id}",recipe="ticker",metric="loss"} 0.25\n`);
    expect(text).toContain(`trainer_run_metric{run_id="${id}",recipe="ticker",metric="accuracy"} 0.8\n`);
    expect(text).toContain(`trainer_run_epoch{run_id="${id}",recipe="ticker"} 4\n`);
    expect(text).toContain(`trainer_run_progress_ratio{run_id="${id}",recipe="ticker"} 1\n`);
    expect(text).toContain(`trainer_run_state{run_id="${id}",recipe="ticker",state="completed"} 1\n`);
    expect(text).not.toMatch(new RegExp(`trainer_run_state\\{run_id="${id}",recipe="ticker",state="(?!completed)`));
  });

  it('labels a GPU with the running run that holds it', async () => {
    const id = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 100000, interval_ms: 100 }, gpus: 1, start: true })).body
      .session_id;
    await waitForState(t.api, id, ['running']);
    const [gpu] = t.agent.runs.get(id).gpu_ids;
    const text: string = (await t.api('GET', '/metrics')).body;
    expect(text).toMatch(new RegExp(`^trainer_gpu_memory_total_bytes\\{gpu="${gpu}",name="NVIDIA A100-SXM4-40GB",run_id="${id}"\\} 42949672960$`, 'm'));
    expect(text).toMatch(new RegExp(`^trainer_gpu_memory_total_bytes\\{gpu="${1 - gpu!}",name="NVIDIA A100-SXM4-40GB",run_id=""\\}`, 'm'));
    expect(text).toContain(`trainer_run_state{run_id="${id}",recipe="ticker",state="running"} 1\n`);
    await t.agent.runs.stop(id);
  });

  it('uses the standard process and Node.js metric names, without counters posing as gauges', async () => {
    const text: string = (await t.api('GET', '/metrics')).body;
    expect(text).toMatch(/^# TYPE process_cpu_seconds_total counter$/m);
    expect(text).toMatch(/^# TYPE process_resident_memory_bytes gauge$/m);
    expect(text).toMatch(/^# TYPE nodejs_heap_size_used_bytes gauge$/m);
    expect(text).toMatch(/^# TYPE nodejs_active_handles gauge$/m);
    expect(text).not.toContain('trainer_process_');
    const gaugesNamedTotal = [...text.matchAll(/^# TYPE (\S+_total) gauge$/gm)].map((match) => match[1]);
    expect(gaugesNamedTotal).toEqual([]);
  });

  it('needs a key like the rest of the API', async () => {
    expect((await fetch(`${t.url}/metrics`)).status).toBe(401);
  });
});

describe('Prometheus cardinality bounds', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent({ env: { TRAINER_PROMETHEUS_MAX_RUNS: '1', TRAINER_PROMETHEUS_METRICS_DENY: 'acc*' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('exports at most the run cap (the newest), counts the runs left out, and leaves denied metrics out', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      ids.push((await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 2, interval_ms: 5 }, start: true })).body.session_id);
      await waitForState(t.api, ids[i]!, ['completed']);
    }
    const text: string = (await t.api('GET', '/metrics')).body;
    expect(text).toContain(`trainer_run_metric{run_id="${ids[1]}",recipe="ticker",metric="loss"} 0.5\n`);
    expect(text).not.toContain(`run_id="${ids[0]}"`);
    expect(text).toMatch(/^trainer_run_series_runs_left_out 1$/m);
    expect(text).not.toContain('metric="accuracy"');
  });
});
