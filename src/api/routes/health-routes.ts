import Router from '@koa/router';
import type { ApiServices } from '../services.js';

export function healthRoutes(services: ApiServices): Router {
  const router = new Router();
  router.get('/health', (ctx) => {
    ctx.body = { status: 'healthy', service: 'trainer', version: services.version };
  });
  router.get('/', (ctx) => {
    ctx.body = { service: 'trainer', version: services.version, health: '/health', api: '/api/v1', docs: 'README.md' };
  });
  return router;
}
