import { access, constants } from 'node:fs/promises';
import Router from '@koa/router';
import { diskIsLow, diskSpace } from '../disk-space.js';
import type { ApiServices } from '../services.js';

export function healthRoutes(services: ApiServices): Router {
  const router = new Router();
  const startedAt = Date.now();
  /** Liveness, and the data disk's free space: `degraded` (still 200) when it is nearly full. */
  router.get('/health', async (ctx) => {
    const disk = await diskSpace(services.dataDir, services.diskFreeMinBytes);
    ctx.body = { status: diskIsLow(disk) ? 'degraded' : 'healthy', service: 'trainer', version: services.version, disk };
  });
  /**
   * Seed 001's health: the agent's uptime, CPU/memory/disk use, and its components. `database` is the
   * state store (it answers from memory); `filesystem` is whether the data directory is writable and
   * its disk above the free-space threshold (`disk` says how much is free). `degraded` when a component
   * is not healthy.
   */
  router.get('/api/v1/health', async (ctx) => {
    const sample = services.system.latest();
    const [writable, disk] = await Promise.all([
      access(services.dataDir, constants.W_OK).then(
        () => true,
        () => false,
      ),
      diskSpace(services.dataDir, services.diskFreeMinBytes),
    ]);
    const filesystem = writable && !diskIsLow(disk) ? 'healthy' : 'unhealthy';
    services.runs.countByState();
    const components = { database: 'healthy', filesystem };
    ctx.body = {
      status: filesystem === 'healthy' ? 'healthy' : 'degraded',
      timestamp: new Date().toISOString(),
      uptime_seconds: Math.round((Date.now() - startedAt) / 100) / 10,
      version: services.version,
      system: { cpu_percent: sample?.cpu.percent ?? null, memory_percent: sample?.memory.percent ?? null, disk_percent: sample?.disk.percent ?? null },
      components,
      disk,
    };
  });
  router.get('/', (ctx) => {
    ctx.body = { service: 'trainer', version: services.version, health: '/health', api: '/api/v1', docs: 'README.md' };
  });
  return router;
}
