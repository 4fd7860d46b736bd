import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';
import { alertRules, dashboardQueries, metricNamesIn, sampleNames } from '../helpers/exposition.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NVIDIA_SMI = fileURLToPath(new URL('../stand-ins/nvidia-smi', import.meta.url));

// The Grafana dashboard and the alerting rules in deploy/ query only metrics the agent exports: each
// name they use appears in a real agent's /metrics while a run trains on a GPU.
describe('deploy/grafana and deploy/prometheus against /metrics', () => {
  let t: TestAgent;
  let exported: Set<string>;
  beforeAll(async () => {
    t = await startTestAgent({ env: { TRAINER_NVIDIA_SMI: NVIDIA_SMI, TRAINER_SAMPLE_INTERVAL_SECONDS: '0.2' } });
    const done = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 2, interval_ms: 5 }, start: true })).body.session_id;
    await waitForState(t.api, done, ['failed', 'completed']);
    const running = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 100000, interval_ms: 50 }, gpus: 1, start: true }))
      .body.session_id;
    await waitForState(t.api, running, ['running']);
    // once the running run has reported a metric and the sampler has read the GPUs
    const exposition = await waitFor(async () => {
      const text: string = (await t.api('GET', '/metrics')).body;
      return text.includes(`trainer_run_metric{run_id="${running}"`) && text.includes('trainer_gpu_utilization_percent{') ? text : null;
    }, 'the running run and the GPUs in /metrics');
    exported = sampleNames(exposition);
  });
  afterAll(async () => {
    await t.close();
  });

  it('every dashboard query reads metrics that /metrics has', () => {
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(10);
    const missing = queries.flatMap(({ where, expr }) =>
      metricNamesIn(expr)
        .filter((name) => !exported.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(missing).toEqual([]);
    // the curves and GPUs the issue asks for are there
    const all = queries.map((query) => query.expr).join('\n');
    for (const name of [
      'trainer_runs',
      'trainer_queue_length',
      'trainer_run_metric',
      'trainer_gpu_utilization_percent',
      'trainer_gpu_memory_used_bytes',
      'trainer_gpu_temperature_celsius',
      'trainer_http_request_duration_seconds_bucket',
    ])
      expect(all).toContain(name);
  });

  it('every alerting rule reads metrics that /metrics has', () => {
    const rules = alertRules();
    expect(rules.length).toBeGreaterThan(5);
    const missing = rules.flatMap(({ alert, expr }) =>
      metricNamesIn(expr)
        .filter((name) => !exported.has(name))
        .map((name) => `${alert}: ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('the dashboard is importable: a datasource input, unique panel ids, panels within the 24-column grid', () => {
    const dashboard = JSON.parse(readFileSync(`${ROOT}/deploy/grafana/trainer.json`, 'utf8'));
    expect(dashboard.__inputs.map((input: { name: string }) => input.name)).toEqual(['DS_PROMETHEUS']);
    const ids = dashboard.panels.map((panel: { id: number }) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
  });
});
