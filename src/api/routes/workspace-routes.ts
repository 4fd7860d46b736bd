import Router from '@koa/router';
import { parse } from '../parse.js';
import { AuditQuery, CreateExperimentBody, DeleteExperimentQuery, LeaderboardQuery, PatchConfigBody, UpdateExperimentBody } from '../schemas.js';
import { sessionView } from '../run-views.js';
import type { ApiServices } from '../services.js';

/** Runtime configuration and workers (seed 003), experiments (seeds 002/004), the leaderboard (seed 004), the audit log. */
export function workspaceRoutes({ config, experiments, leaderboard, audit, runs }: ApiServices): Router {
  const router = new Router({ prefix: '/api/v1' });

  router.get('/config', (ctx) => {
    ctx.body = config.get();
  });
  router.patch('/config', async (ctx) => {
    ctx.body = await config.patch(parse(PatchConfigBody, ctx.request.body), (ctx.state.principal as { name?: string })?.name ?? 'unknown');
  });
  router.get('/workers', (ctx) => {
    ctx.body = { workers: runs.workers(config.get().max_concurrent_sessions) };
  });
  router.get('/audit', async (ctx) => {
    ctx.body = { entries: await audit.recent(parse(AuditQuery, ctx.query).limit) };
  });

  router.post('/experiments', async (ctx) => {
    ctx.status = 201;
    ctx.body = await experiments.create(parse(CreateExperimentBody, ctx.request.body));
  });
  router.get('/experiments', (ctx) => {
    ctx.body = { experiments: experiments.list() };
  });
  router.get('/experiments/:experimentId', (ctx) => {
    ctx.body = experiments.get(ctx.params.experimentId!);
  });
  router.patch('/experiments/:experimentId', async (ctx) => {
    ctx.body = await experiments.update(ctx.params.experimentId!, parse(UpdateExperimentBody, ctx.request.body));
  });
  router.delete('/experiments/:experimentId', async (ctx) => {
    const { detach } = parse(DeleteExperimentQuery, ctx.query);
    const { detached } = await experiments.delete(ctx.params.experimentId!, detach);
    ctx.body = { message: `Experiment ${ctx.params.experimentId} deleted${detached ? `; ${detached} run(s) detached` : ''}` };
  });
  router.get('/experiments/:experimentId/runs', (ctx) => {
    ctx.body = experiments.runs(ctx.params.experimentId!).map(sessionView);
  });

  router.get('/leaderboard', (ctx) => {
    const query = parse(LeaderboardQuery, ctx.query);
    const entries = leaderboard.query(query);
    if (query.format === 'csv') {
      const paramNames = [...new Set(entries.flatMap((entry) => Object.keys(entry.params)))].sort();
      const rows = [
        ['rank', 'session_id', 'recipe', 'experiment_id', query.metric, 'ended_at', ...paramNames],
        ...entries.map((entry) => [
          entry.rank,
          entry.session_id,
          entry.recipe,
          entry.experiment_id ?? '',
          entry.value,
          entry.ended_at ?? '',
          ...paramNames.map((name) => entry.params[name] ?? ''),
        ]),
      ];
      ctx.type = 'text/csv';
      ctx.body = rows.map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
      return;
    }
    ctx.body = { metric: query.metric, mode: query.mode, entries };
  });
  return router;
}

function csvCell(value: unknown): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
