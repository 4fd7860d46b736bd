import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, waitFor, type TestAgent } from '../helpers/agent-harness.js';

const STANDIN = fileURLToPath(new URL('../stand-ins/nvidia-smi', import.meta.url));

describe('system and GPU info with two GPUs (stand-in nvidia-smi)', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent({ env: { TRAINER_NVIDIA_SMI: STANDIN, MAX_CONCURRENT_SESSIONS: '2' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers seed 000 system info', async () => {
    const { status, body } = await t.api('GET', '/api/v1/system/info');
    expect(status).toBe(200);
    expect(body).toEqual({
      cpu_usage_percent: expect.any(Number),
      memory_used_mb: expect.any(Number),
      memory_total_mb: expect.any(Number),
      memory_percent: expect.any(Number),
      disk_free_gb: expect.any(Number),
      disk_total_gb: expect.any(Number),
      gpu_available: true,
      gpu_usage_percent: 43.5,
      gpu_memory_used_mb: 31038,
      gpu_memory_total_mb: 81920,
      timestamp: expect.any(String),
      // beyond seed 000: which TF.js engines this machine can train with, best first
      training_engines: expect.arrayContaining(['cpu']),
    });
    expect(body.memory_total_mb).toBeGreaterThan(body.memory_used_mb);
  });

  it('answers seed 001 resources with per-CPU and per-GPU readings', async () => {
    const { body } = await t.api('GET', '/api/v1/monitor/resources');
    expect(body.cpu.per_cpu.length).toBe(body.cpu.count);
    expect(body.gpu).toEqual([
      {
        id: 0,
        name: 'NVIDIA A100-SXM4-40GB',
        memory_percent: 75.8,
        memory_used_gb: 30.3,
        memory_total_gb: 40,
        utilization: 87,
        temperature: 71,
        power_w: 312.45,
      },
      { id: 1, name: 'NVIDIA A100-SXM4-40GB', memory_percent: 0, memory_used_gb: 0, memory_total_gb: 40, utilization: 0, temperature: 34, power_w: null },
    ]);
  });

  it('lists GPUs with the run that holds each', async () => {
    const id = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 1000, interval_ms: 50 }, gpus: 1, start: true })).body
      .session_id;
    const gpus = await waitFor(async () => {
      const { body } = await t.api('GET', '/api/v1/gpus');
      return body.some((gpu: { run_id: string | null }) => gpu.run_id === id) ? body : null;
    }, 'the GPU to show its run');
    expect(gpus.map((gpu: { index: number; run_id: string | null }) => [gpu.index, gpu.run_id])).toEqual([
      [0, id],
      [1, null],
    ]);
    await t.api('POST', `/api/v1/training/${id}/stop`);
    expect((await t.api('GET', '/api/v1/gpus')).body.every((gpu: { run_id: string | null }) => gpu.run_id === null)).toBe(true);
  });
});

describe('a machine without GPUs', () => {
  it('reports gpu_available false, never an error', async () => {
    const t = await startTestAgent();
    try {
      const { status, body } = await t.api('GET', '/api/v1/system/info');
      expect(status).toBe(200);
      expect(body).toMatchObject({ gpu_available: false, gpu_usage_percent: null });
      expect((await t.api('GET', '/api/v1/gpus')).body).toEqual([]);
      expect((await t.api('GET', '/api/v1/monitor/resources')).body.gpu).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
