import Router from '@koa/router';
import { parse } from '../parse.js';
import { CreateStudyBody } from '../schemas.js';
import type { ApiServices } from '../services.js';

/** Seed 004's hyperparameter studies; every trial is an ordinary run. */
export function hpoRoutes({ studies }: ApiServices): Router {
  const router = new Router({ prefix: '/api/v1/hpo/studies' });
  router.post('/', async (ctx) => {
    ctx.status = 201;
    ctx.body = await studies.create(parse(CreateStudyBody, ctx.request.body));
  });
  router.get('/', (ctx) => {
    ctx.body = { studies: studies.list().map(({ trials: _trials, ...summary }) => summary) };
  });
  router.get('/:studyId', (ctx) => {
    ctx.body = studies.get(ctx.params.studyId!);
  });
  router.post('/:studyId/stop', async (ctx) => {
    ctx.body = await studies.stop(ctx.params.studyId!);
  });
  router.delete('/:studyId', async (ctx) => {
    await studies.delete(ctx.params.studyId!);
    ctx.body = { message: `Study ${ctx.params.studyId} deleted` };
  });
  return router;
}
