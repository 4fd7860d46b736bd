import Router from '@koa/router';
import { parse } from '../parse.js';
import { NotificationsQuery } from '../schemas.js';
import type { ApiServices } from '../services.js';

/** Seed 001's notification inbox. */
export function notificationRoutes({ notifications }: ApiServices): Router {
  const router = new Router({ prefix: '/api/v1/notifications' });
  router.get('/', (ctx) => {
    ctx.body = { notifications: notifications.list(parse(NotificationsQuery, ctx.query)) };
  });
  router.post('/:notificationId/read', async (ctx) => {
    ctx.body = await notifications.markRead(ctx.params.notificationId!);
  });
  router.delete('/', async (ctx) => {
    ctx.body = { message: `${await notifications.clear()} notifications cleared` };
  });
  return router;
}
