import Router from '@koa/router';
import type { ApiServices } from '../services.js';

/** Prometheus text format, for the team's Prometheus/Grafana. Authenticated like the rest of the API. */
export function metricsRoutes({ prometheus }: ApiServices): Router {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    ctx.type = prometheus.contentType;
    ctx.body = await prometheus.render();
  });
  return router;
}
