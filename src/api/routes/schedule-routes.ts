import Router from '@koa/router';
import { parse } from '../parse.js';
import { CreateScheduleBody } from '../schemas.js';
import type { ApiServices } from '../services.js';

/** Recurring runs: a recipe, its parameters and a cron expression in a time zone. */
export function scheduleRoutes({ schedules }: ApiServices): Router {
  const router = new Router({ prefix: '/api/v1/schedules' });
  router.post('/', async (ctx) => {
    ctx.status = 201;
    ctx.body = await schedules.create(parse(CreateScheduleBody, ctx.request.body));
  });
  router.get('/', (ctx) => {
    ctx.body = { schedules: schedules.list() };
  });
  router.get('/:scheduleId', (ctx) => {
    ctx.body = schedules.get(ctx.params.scheduleId!);
  });
  router.delete('/:scheduleId', async (ctx) => {
    await schedules.delete(ctx.params.scheduleId!);
    ctx.body = { message: `Schedule ${ctx.params.scheduleId} deleted` };
  });
  return router;
}
