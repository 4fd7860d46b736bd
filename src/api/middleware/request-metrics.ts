import type { Context, Next } from 'koa';
import { openApiPath } from '../route-template.js';
import type { PrometheusMetrics } from '../../services/prometheus-metrics.js';

/**
 * Times each request and labels it by route template (never the raw path: ids would explode the
 * series), written as in the OpenAPI document (`/api/v1/training/{sessionId}/status`).
 */
export function requestMetrics(metrics: PrometheusMetrics) {
  return async (ctx: Context, next: Next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const route = (ctx as Context & { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      metrics.observeRequest(ctx.method, openApiPath(String(route)), ctx.status, (performance.now() - started) / 1e3);
    }
  };
}
