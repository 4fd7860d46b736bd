import Router from '@koa/router';
import { parse } from '../parse.js';
import { HistoryQuery, MetricNameSchema } from '../schemas.js';
import type { ApiServices } from '../services.js';

/** Seed 001's per-metric history: `{metric_name, values, epochs, timestamps}`, downsampled on request. */
export function metricHistoryRoutes({ runs }: ApiServices): Router {
  const router = new Router({ prefix: '/api/v1/metrics' });
  router.get('/:sessionId/history', async (ctx) => {
    const query = parse(HistoryQuery, ctx.query);
    const metricName = parse(MetricNameSchema, query.metric_name ?? 'loss');
    const records = await runs.metricHistory(ctx.params.sessionId!, { metricName, startEpoch: query.start_epoch, endEpoch: query.end_epoch, maxPoints: query.max_points });
    ctx.body = {
      metric_name: metricName,
      values: records.map((record) => record[metricName]),
      epochs: records.map((record) => record.epoch ?? null),
      steps: records.map((record) => record.step ?? null),
      timestamps: records.map((record) => record.ts),
    };
  });
  return router;
}
