import { access, constants } from 'node:fs/promises';
import Router from '@koa/router';
import type { ApiServices } from '../services.js';

export function healthRoutes(services: ApiServices): Router {
  const router = new Router();
  const startedAt = Date.now();
  router.get('/health', (ctx) => {
    ctx.body = { status: 'healthy', service: 'trainer', version: services.version };
  });
  /**
   * Seed 001's health: the agent's uptime, CPU/memory/disk use, and its components. `database` is the
   * state store (it answers from memory); `filesystem` is whether the data directory is writable and
   * its disk not full. `degraded` when a component is not healthy.
   */
  router.get('/api/v1/health', async (ctx) => {
    const sample = services.system.latest();
    const writable = sample ? await access(sample.disk.path, constants.W_OK).then(() => true, () => false) : false;
    const filesystem = writable && (sample?.disk.percent ?? 100) < 99 ? 'healthy' : 'unhealthy';
    services.runs.countByState();
    const components = { database: 'healthy', filesystem };
    ctx.body = {
      status: filesystem === 'healthy' ? 'healthy' : 'degraded',
      timestamp: new Date().toISOString(),
      uptime_seconds: Math.round((Date.now() - startedAt) / 100) / 10,
      version: services.version,
      system: { cpu_percent: sample?.cpu.percent ?? null, memory_percent: sample?.memory.percent ?? null, disk_percent: sample?.disk.percent ?? null },
      components,
    };
  });
  router.get('/', (ctx) => {
    ctx.body = { service: 'trainer', version: services.version, health: '/health', api: '/api/v1', docs: 'README.md' };
  });
  return router;
}
