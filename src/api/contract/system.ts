import { z } from 'zod';
import { DiskSpace } from '../responses.js';

/**
 * What the machine routes answer (system-routes.ts, health-routes.ts, docs-routes.ts): seed 000's
 * system info, seed 001's resources and health, and GPUs with the run that holds each.
 */

const time = z.string().describe('ISO 8601 time (UTC)');
const ENGINE_NAMES = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const;

export const SystemInfo = z
  .strictObject({
    cpu_usage_percent: z.number(),
    memory_used_mb: z.number(),
    memory_total_mb: z.number(),
    memory_percent: z.number(),
    disk_free_gb: z.number(),
    disk_total_gb: z.number(),
    gpu_available: z.boolean(),
    gpu_usage_percent: z.number().nullable().describe('Mean utilization over the GPUs; null without GPUs'),
    gpu_memory_used_mb: z.number().nullable().describe('Summed over the GPUs; null without GPUs'),
    gpu_memory_total_mb: z.number().nullable(),
    timestamp: time.describe('When the reading was taken (the sampler reads on an interval)'),
    training_engines: z.array(z.enum(ENGINE_NAMES)).describe('TF.js engines available here, best first'),
  })
  .meta({ id: 'SystemInfo', description: "Seed 000's system info, then the TF.js engines available" });

export const ResourceGpu = z.strictObject({
  id: z.number().int().describe("nvidia-smi's index"),
  name: z.string(),
  memory_percent: z.number().nullable(),
  memory_used_gb: z.number().nullable(),
  memory_total_gb: z.number(),
  utilization: z.number().nullable().describe('Percent'),
  temperature: z.number().nullable().describe('°C'),
  power_w: z.number().nullable(),
});

export const MonitorResources = z
  .strictObject({
    timestamp: time,
    cpu: z.strictObject({ percent: z.number(), count: z.number().int(), per_cpu: z.array(z.number()) }),
    memory: z.strictObject({ percent: z.number(), used_gb: z.number(), total_gb: z.number() }),
    disk: z.strictObject({ percent: z.number(), used_gb: z.number(), total_gb: z.number() }),
    gpu: z.array(ResourceGpu),
  })
  .meta({ id: 'MonitorResources', description: "Seed 001's per-CPU and per-GPU readings" });

export const Gpu = z
  .strictObject({
    index: z.number().int(),
    uuid: z.string(),
    name: z.string(),
    memory_total_mb: z.number(),
    utilization: z.number().nullable(),
    memory_used_mb: z.number().nullable(),
    memory_percent: z.number().nullable(),
    temperature: z.number().nullable(),
    power_w: z.number().nullable(),
    run_id: z.string().nullable().describe('The run that holds it; null when free'),
  })
  .meta({ id: 'Gpu' });

const componentHealth = z.enum(['healthy', 'unhealthy']);

export const HealthDetail = z
  .strictObject({
    status: z.enum(['healthy', 'degraded']).describe('`degraded` when a component is not healthy'),
    timestamp: time,
    uptime_seconds: z.number(),
    version: z.string(),
    system: z
      .strictObject({ cpu_percent: z.number().nullable(), memory_percent: z.number().nullable(), disk_percent: z.number().nullable() })
      .describe('null before the first reading'),
    components: z.strictObject({ database: componentHealth, filesystem: componentHealth.describe('The data directory writable and its disk not full') }),
    disk: DiskSpace.nullable().describe(
      "The data directory's disk: free space and the threshold under which `filesystem` is unhealthy; null when it cannot be read",
    ),
  })
  .meta({ id: 'HealthDetail', description: "Seed 001's health" });

export const OpenApiDocument = z
  .looseObject({ openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) })
  .meta({ id: 'OpenApiDocument', description: 'This document (OpenAPI 3.1)' });
