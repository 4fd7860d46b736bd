import Router from '@koa/router';
import type { WebhookRecord } from '../../domain/webhooks.js';
import { parse } from '../parse.js';
import { CreateWebhookBody } from '../schemas.js';
import type { ApiServices } from '../services.js';

/** Seed 001's webhooks, plus each webhook's delivery history. Secrets are never returned. */
export function webhookRoutes({ webhooks }: ApiServices): Router {
  const router = new Router({ prefix: '/api/v1/webhooks' });
  router.post('/', async (ctx) => {
    ctx.status = 201;
    ctx.body = webhookView(await webhooks.create(parse(CreateWebhookBody, ctx.request.body)));
  });
  router.get('/', (ctx) => {
    ctx.body = { webhooks: webhooks.list().map(webhookView) };
  });
  router.delete('/:webhookId', async (ctx) => {
    await webhooks.delete(ctx.params.webhookId!);
    ctx.body = { message: `Webhook ${ctx.params.webhookId} deleted` };
  });
  router.post('/:webhookId/test', async (ctx) => {
    ctx.body = await webhooks.test(ctx.params.webhookId!);
  });
  router.get('/:webhookId/deliveries', (ctx) => {
    ctx.body = { deliveries: webhooks.deliveries(ctx.params.webhookId!) };
  });
  return router;
}

function webhookView({ secret, ...webhook }: WebhookRecord) {
  return { ...webhook, signed: secret !== null };
}
