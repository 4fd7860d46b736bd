import Router from '@koa/router';
import type { SystemSample } from '../../monitor/system-sampler.js';
import { trainingEngines } from '../../monitor/training-engines.js';
import type { ApiServices } from '../services.js';

/** Machine state from the sampler's last reading: seed 000's system info, seed 001's resources, and GPUs with their runs. */
export function systemRoutes({ system, runs }: ApiServices): Router {
  const router = new Router({ prefix: '/api/v1' });
  const latest = (): SystemSample => system.latest()!;

  router.get('/system/info', (ctx) => {
    const sample = latest();
    const gpus = sample.gpus;
    const sum = (pick: (gpu: (typeof gpus)[number]) => number | null) => gpus.reduce((total, gpu) => total + (pick(gpu) ?? 0), 0);
    ctx.body = {
      cpu_usage_percent: sample.cpu.percent,
      memory_used_mb: sample.memory.used_mb,
      memory_total_mb: sample.memory.total_mb,
      memory_percent: sample.memory.percent,
      disk_free_gb: sample.disk.free_gb,
      disk_total_gb: sample.disk.total_gb,
      gpu_available: gpus.length > 0,
      gpu_usage_percent: gpus.length > 0 ? Math.round((sum((gpu) => gpu.utilization) / gpus.length) * 10) / 10 : null,
      gpu_memory_used_mb: gpus.length > 0 ? sum((gpu) => gpu.memory_used_mb) : null,
      gpu_memory_total_mb: gpus.length > 0 ? sum((gpu) => gpu.memory_total_mb) : null,
      timestamp: sample.ts,
      training_engines: trainingEngines()
        .filter((engine) => engine.available)
        .map((engine) => engine.name),
    };
  });

  router.get('/monitor/resources', (ctx) => {
    const sample = latest();
    ctx.body = {
      timestamp: sample.ts,
      cpu: sample.cpu,
      memory: { percent: sample.memory.percent, used_gb: round1(sample.memory.used_mb / 1024), total_gb: round1(sample.memory.total_mb / 1024) },
      disk: { percent: sample.disk.percent, used_gb: sample.disk.used_gb, total_gb: sample.disk.total_gb },
      gpu: sample.gpus.map((gpu) => ({
        id: gpu.index,
        name: gpu.name,
        memory_percent: gpu.memory_percent,
        memory_used_gb: gpu.memory_used_mb === null ? null : round1(gpu.memory_used_mb / 1024),
        memory_total_gb: round1(gpu.memory_total_mb / 1024),
        utilization: gpu.utilization,
        temperature: gpu.temperature,
        power_w: gpu.power_w,
      })),
    };
  });

  router.get('/gpus', (ctx) => {
    const holders = runs.gpuHolders();
    ctx.body = latest().gpus.map((gpu) => ({ ...gpu, run_id: holders.get(gpu.index) ?? null }));
  });

  return router;
}

const round1 = (value: number) => Math.round(value * 10) / 10;
