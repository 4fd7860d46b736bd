import Router from '@koa/router';
import { basename, extname } from 'node:path';
import type { MetricRecord } from '../../domain/run-records.js';
import { jsonStream, setJsonBody, STREAM_THRESHOLD } from '../json-stream.js';
import { parse } from '../parse.js';
import { metricPointView, sessionDetailView } from '../run-views.js';
import { CreateSessionBody, DeleteSessionQuery, SessionMetricsQuery } from '../schemas.js';
import type { ApiServices } from '../services.js';

/** Seed 001's session endpoints where they do not clash with seed 000 (whose list stays an array). */
export function sessionRoutes({ runs, checkpoints, models }: ApiServices): Router {
  const router = new Router({ prefix: '/api/v1/training/sessions' });

  // seed 002's DELETE of a run; what it registered is kept unless delete_artifacts=true
  router.delete('/:sessionId', async (ctx) => {
    const query = parse(DeleteSessionQuery, ctx.query);
    const deleted = { checkpoints: 0, models: [] as string[] };
    const run = await runs.delete(ctx.params.sessionId!, async ({ id }) => {
      if (!query.delete_artifacts) return;
      for (const checkpoint of checkpoints.list({ sessionId: id, limit: 100_000 })) {
        await checkpoints.delete(checkpoint.checkpoint_id);
        deleted.checkpoints++;
      }
      for (const model of (await models.list()).filter((candidate) => candidate.run_id === id)) {
        await models.delete(model.name);
        deleted.models.push(model.name);
      }
    });
    ctx.body = { message: `Session ${run.id} deleted`, session_id: run.id, deleted_checkpoints: deleted.checkpoints, deleted_models: deleted.models };
  });

  router.post('/', async (ctx) => {
    const body = parse(CreateSessionBody, ctx.request.body);
    // seed 001 names a config file; here that is a recipe, by name or by its file's name
    const recipe = body.recipe ?? (body.config_path ? basename(body.config_path, extname(body.config_path)) : undefined);
    const run = body.tracking_only
      ? await runs.submitTracking({
          recipe,
          params: body.params,
          name: body.session_name,
          tags: body.tags,
          experimentId: body.experiment_id,
          totalEpochs: body.total_epochs,
        })
      : await runs.submit({
          recipe,
          params: body.params,
          priority: body.priority,
          gpus: body.gpus,
          name: body.session_name,
          tags: body.tags,
          experimentId: body.experiment_id,
          start: body.start,
        });
    ctx.status = 201;
    ctx.body = {
      session_id: run.id,
      status: run.state,
      created_at: run.created_at,
      recipe: run.recipe,
      config: run.params,
      tracking_only: run.tracking_only === true,
    };
  });

  router.get('/:sessionId', async (ctx) => {
    const run = runs.get(ctx.params.sessionId!);
    ctx.body = sessionDetailView(run, await runs.latestMetrics(run.id));
  });

  router.post('/:sessionId/start', async (ctx) => {
    const run = await runs.start(ctx.params.sessionId!);
    ctx.body = { session_id: run.id, status: run.state, started_at: run.started_at };
  });

  router.post('/:sessionId/stop', async (ctx) => {
    const run = await runs.stop(ctx.params.sessionId!);
    ctx.body = { session_id: run.id, status: run.state, stopped_at: run.ended_at };
  });

  router.get('/:sessionId/metrics', async (ctx) => {
    const id = ctx.params.sessionId!;
    const query = parse(SessionMetricsQuery, ctx.query);
    const records = await runs.metricHistory(id, { metricName: query.metric_name, last: query.limit });
    const view = (record: MetricRecord) => {
      const { session_id: _id, ...point } = metricPointView(id, record);
      return query.metric_name ? { epoch: point.epoch, timestamp: point.timestamp, [query.metric_name]: record[query.metric_name] } : point;
    };
    if (records.length < STREAM_THRESHOLD) ctx.body = { session_id: id, metrics: records.map(view) };
    else setJsonBody(ctx, jsonStream([`{"session_id":${JSON.stringify(id)},"metrics":[`, { items: records, map: view }, ']}']));
  });

  return router;
}
