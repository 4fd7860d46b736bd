import Router from '@koa/router';
import type { MetricRecord } from '../../domain/run-records.js';
import { jsonStream, setJsonBody, STREAM_THRESHOLD, type JsonPiece } from '../json-stream.js';
import { parse } from '../parse.js';
import { HistoryQuery, LogBatchMetricsBody, LogOneMetricBody, MetricNameSchema } from '../schemas.js';
import type { ApiServices } from '../services.js';

/**
 * Seed 001's per-metric history: `{metric_name, values, epochs, timestamps}`, downsampled on request;
 * seed 002's metric logging into a running (or tracking-only) run: one `{name, value, step}`, or a batch.
 */
export function metricHistoryRoutes({ runs }: ApiServices): Router {
  const router = new Router({ prefix: '/api/v1/metrics' });
  router.get('/:sessionId/history', async (ctx) => {
    const query = parse(HistoryQuery, ctx.query);
    const metricName = parse(MetricNameSchema, query.metric_name ?? 'loss');
    const records = await runs.metricHistory(ctx.params.sessionId!, {
      metricName,
      startEpoch: query.start_epoch,
      endEpoch: query.end_epoch,
      maxPoints: query.max_points,
    });
    if (records.length < STREAM_THRESHOLD) {
      ctx.body = {
        metric_name: metricName,
        values: records.map((record) => record[metricName]),
        epochs: records.map((record) => record.epoch ?? null),
        steps: records.map((record) => record.step ?? null),
        timestamps: records.map((record) => record.ts),
      };
      return;
    }
    const column = (map: (record: MetricRecord) => unknown): JsonPiece => ({ items: records, map });
    setJsonBody(
      ctx,
      jsonStream([
        `{"metric_name":${JSON.stringify(metricName)},"values":[`,
        column((record) => record[metricName]),
        '],"epochs":[',
        column((record) => record.epoch ?? null),
        '],"steps":[',
        column((record) => record.step ?? null),
        '],"timestamps":[',
        column((record) => record.ts),
        ']}',
      ]),
    );
  });
  router.post('/:sessionId', async (ctx) => {
    const id = ctx.params.sessionId!;
    runs.get(id);
    const body = parse(LogOneMetricBody, ctx.request.body);
    await runs.logMetrics(id, [{ metrics: { [body.name]: body.value }, step: body.step, epoch: body.epoch }]);
    // seed 002 numbers its points; this agent keeps none per point, so `id` is null
    ctx.body = { id: null, run_id: id, name: body.name, value: body.value, step: body.step ?? null, timestamp: new Date().toISOString() };
  });
  router.post('/:sessionId/batch', async (ctx) => {
    const id = ctx.params.sessionId!;
    runs.get(id);
    const body = parse(LogBatchMetricsBody, ctx.request.body);
    await runs.logMetrics(id, [{ metrics: body.metrics, step: body.step, epoch: body.epoch }]);
    const count = Object.keys(body.metrics).length;
    ctx.body = { message: `Logged ${count} metric${count === 1 ? '' : 's'} successfully` };
  });
  return router;
}
