import Router from '@koa/router';
import { splitShellWords } from '../../domain/shell-words.js';
import { isFinal } from '../../domain/run.js';
import { invalid } from '../../errors.js';
import { parseCursor, type StreamSink } from '../../services/run-stream-service.js';
import { jobCreatedView, jobView, runStatesOf } from '../job-views.js';
import { JobLogsQuery, ListJobsQuery, SubmitJobBody } from '../job-schemas.js';
import { parse } from '../parse.js';
import { setPageHeaders } from '../page-headers.js';
import type { ApiServices } from '../services.js';
import { metricObject, openSse } from './stream-routes.js';

/**
 * Seed 004's job API at its own paths, verbatim. A job is a run: the same id, queue, GPUs, logs and
 * metrics as everywhere else. Submitting one runs a command, so it needs `allow_commands` and the exec scope.
 */
export function jobRoutes({ runs, exec, streams }: ApiServices): Router {
  const router = new Router({ prefix: '/api/jobs' });

  router.post('/', async (ctx) => {
    const body = parse(SubmitJobBody, ctx.request.body);
    let argv: string[];
    try {
      argv = typeof body.command === 'string' ? splitShellWords(body.command) : body.command;
    } catch (error) {
      throw invalid(`command: ${(error as Error).message}`);
    }
    const principal = ctx.state.principal as { name?: string } | undefined;
    const run = await exec.submit(
      {
        argv,
        cwd: body.cwd ?? null,
        env: body.environment,
        gpus: body.gpu_count,
        priority: body.priority,
        name: body.name ?? null,
        tags: body.tags,
        experimentId: body.experiment_id ?? null,
      },
      { name: principal?.name ?? 'unknown', via: 'api' },
    );
    ctx.status = 201;
    ctx.body = jobCreatedView(run);
  });

  router.get('/', (ctx) => {
    const query = parse(ListJobsQuery, ctx.query);
    const { runs: page, total } = runs.list({ states: query.status ? runStatesOf(query.status) : undefined, limit: query.limit, offset: query.offset });
    setPageHeaders(ctx, total, query.limit, query.offset);
    ctx.body = page.map(jobView);
  });

  router.get('/:jobId', (ctx) => {
    ctx.body = jobView(runs.get(ctx.params.jobId!));
  });

  router.post('/:jobId/cancel', async (ctx) => {
    const run = await runs.stop(ctx.params.jobId!);
    ctx.body = { ...jobView(run), message: isFinal(run.state) ? `Job ${run.id} cancelled` : `Job ${run.id} is stopping` };
  });

  router.get('/:jobId/logs', async (ctx) => {
    const id = ctx.params.jobId!;
    const query = parse(JobLogsQuery, ctx.query);
    const records = await runs.outputLines(id, { stream: query.stream, limit: query.limit });
    ctx.body = { job_id: id, stream: query.stream ?? 'all', lines: records.map((record) => record.message) };
  });

  // EventSource-compatible: unnamed `data:` events (onmessage), one bare metric object each
  router.get('/:jobId/stream', async (ctx) => {
    const id = ctx.params.jobId!;
    const lastEventId = ctx.get('last-event-id') || undefined;
    const run = runs.get(id);
    // a reconnect after the job ended: 204 tells an EventSource to stop reconnecting
    if (lastEventId && isFinal(run.state)) {
      ctx.status = 204;
      return;
    }
    const sink = openSse(ctx, metricsOnly);
    const close = await streams.openMetricStream(id, parseCursor(lastEventId)?.metrics ?? 0, sink).catch((error) => {
      sink.abort();
      throw error;
    });
    sink.onClientGone(close);
  });

  return router;
}

/** Metrics as unnamed events; a status change only moves the event id on (no data: nothing is dispatched). */
function metricsOnly(event: Parameters<StreamSink['send']>[0]): string | null {
  const id = event.id ? `id: ${event.id}\n` : '';
  if (event.type === 'metrics') return `${id}data: ${JSON.stringify(metricObject(event.data))}\n\n`;
  if (event.type === 'status' && id) return `${id}\n`;
  return null;
}
