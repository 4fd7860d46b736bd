import Router from '@koa/router';
import { redactUrlsIn, seesSecrets } from '../../domain/secret-redaction.js';
import { parse } from '../parse.js';
import { NotificationsQuery, NotifierDeliveriesQuery } from '../schemas.js';
import type { ApiServices } from '../services.js';

/** Seed 001's notification inbox, and where each notification's messages to the notifiers stand. */
export function notificationRoutes({ notifications, notifiers }: ApiServices): Router {
  const router = new Router({ prefix: '/api/v1/notifications' });
  router.get('/', (ctx) => {
    ctx.body = { notifications: notifications.list(parse(NotificationsQuery, ctx.query)) };
  });
  router.get('/deliveries', (ctx) => {
    const deliveries = notifiers.deliveries(parse(NotifierDeliveriesQuery, ctx.query));
    // targets hold incoming-webhook URLs with their tokens: in full for admin keys only
    ctx.body = { deliveries: seesSecrets(ctx.state.principal) ? deliveries : deliveries.map((delivery) => redactUrlsIn(delivery)) };
  });
  router.post('/:notificationId/read', async (ctx) => {
    ctx.body = await notifications.markRead(ctx.params.notificationId!);
  });
  router.delete('/', async (ctx) => {
    ctx.body = { message: `${await notifications.clear()} notifications cleared` };
  });
  return router;
}
