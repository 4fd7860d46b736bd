import Router from '@koa/router';
import { invalid } from '../../errors.js';
import { architectureRefusal } from '../../services/architecture-check.js';
import { jsonArrayBody, setJsonBody } from '../json-stream.js';
import { parse } from '../parse.js';
import { setPageHeaders } from '../page-headers.js';
import { metricPointView, sessionView, statusView } from '../run-views.js';
import { CompleteSessionBody, HistoryQuery, ListSessionsQuery, LogMetricsBody, LogsQuery, StartTrainingBody } from '../schemas.js';
import type { ApiServices } from '../services.js';

/** Seed 000's training contract, paths and shapes verbatim. */
export function trainingRoutes({ runs, recipes }: ApiServices): Router {
  const router = new Router({ prefix: '/api/v1/training' });

  router.post('/start', async (ctx) => {
    const { recipe, priority, gpus, session_name, tags, experiment_id, ...params } = parse(StartTrainingBody, ctx.request.body);
    const refusal = architectureRefusal(recipes, recipes.get(recipe ?? runs.defaultRecipe).name, params.model_architecture);
    if (refusal) throw invalid(refusal);
    const run = await runs.submit({ recipe, params, priority, gpus, name: session_name, tags, experimentId: experiment_id, start: true });
    const position = runs.queuePosition(run.id);
    ctx.body = {
      session_id: run.id,
      status: run.state,
      message: run.state === 'queued' ? `Training session created and queued (position ${position})` : 'Training session created and started',
    };
  });

  router.get('/sessions', (ctx) => {
    const query = parse(ListSessionsQuery, ctx.query);
    const { runs: page, total } = runs.list({ state: query.status, limit: query.limit, offset: query.offset });
    setPageHeaders(ctx, total, query.limit, query.offset);
    ctx.body = page.map(sessionView);
  });

  router.get('/queue', (ctx) => {
    ctx.body = runs.queue().map(sessionView);
  });

  router.delete('/queue/:sessionId', async (ctx) => {
    const run = await runs.cancel(ctx.params.sessionId!);
    ctx.body = { message: `Queued session ${run.id} cancelled successfully` };
  });

  router.post('/:sessionId/stop', async (ctx) => {
    const run = await runs.stop(ctx.params.sessionId!);
    const verb = run.state === 'cancelled' ? 'cancelled' : run.state === 'stopped' ? 'stopped' : 'is stopping';
    ctx.body = { message: `Training session ${run.id} ${verb}${verb === 'is stopping' ? '' : ' successfully'}`, state: run.state };
  });

  router.post('/:sessionId/complete', async (ctx) => {
    const body = parse(CompleteSessionBody, ctx.request.body);
    const run = await runs.completeTracking(ctx.params.sessionId!, { failed: body.failed, message: body.error_message });
    ctx.body = { session_id: run.id, status: run.state, ended_at: run.ended_at, error_message: run.error_message, final_metrics: run.final_metrics ?? null };
  });

  router.get('/:sessionId/status', (ctx) => {
    ctx.body = statusView(runs.get(ctx.params.sessionId!));
  });

  router.get('/:sessionId/metrics', async (ctx) => {
    const id = ctx.params.sessionId!;
    const latest = await runs.latestMetrics(id);
    ctx.body = latest ? metricPointView(id, latest) : { session_id: id, epoch: null, timestamp: null };
  });

  router.get('/:sessionId/history', async (ctx) => {
    const id = ctx.params.sessionId!;
    const query = parse(HistoryQuery, ctx.query);
    const records = await runs.metricHistory(id, {
      metricName: query.metric_name,
      startEpoch: query.start_epoch,
      endEpoch: query.end_epoch,
      maxPoints: query.max_points,
    });
    setJsonBody(
      ctx,
      jsonArrayBody(records, (record) => metricPointView(id, record)),
    );
  });

  router.get('/:sessionId/metrics/summary', async (ctx) => {
    const id = ctx.params.sessionId!;
    ctx.body = { session_id: id, metrics: await runs.metricSummary(id) };
  });

  router.post('/:sessionId/metrics', async (ctx) => {
    const id = ctx.params.sessionId!;
    runs.get(id);
    const body = parse(LogMetricsBody, ctx.request.body);
    const accepted = await runs.logMetrics(id, 'points' in body ? body.points : [body]);
    ctx.status = 202;
    ctx.body = { session_id: id, accepted };
  });

  router.get('/:sessionId/logs', async (ctx) => {
    const id = ctx.params.sessionId!;
    const query = parse(LogsQuery, ctx.query);
    const page = await runs.logs(id, query);
    ctx.set('X-Next-Cursor', String(page.nextCursor));
    ctx.body = page.records.map((record) => ({ session_id: id, timestamp: record.ts, level: record.level, message: record.message, stream: record.stream }));
  });

  return router;
}
