import Router from '@koa/router';
import type { WebhookRecord } from '../../domain/webhooks.js';
import { redactUrl, seesSecrets } from '../../domain/secret-redaction.js';
import { parse } from '../parse.js';
import { CreateWebhookBody } from '../schemas.js';
import type { ApiServices } from '../services.js';

/** Seed 001's webhooks, plus each webhook's delivery history. Secrets are never returned; URLs in full only to admin keys. */
export function webhookRoutes({ webhooks }: ApiServices): Router {
  const router = new Router({ prefix: '/api/v1/webhooks' });
  router.post('/', async (ctx) => {
    ctx.status = 201;
    ctx.body = webhookView(await webhooks.create(parse(CreateWebhookBody, ctx.request.body)), seesSecrets(ctx.state.principal));
  });
  router.get('/', (ctx) => {
    const full = seesSecrets(ctx.state.principal);
    ctx.body = { webhooks: webhooks.list().map((webhook) => webhookView(webhook, full)) };
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

/** The URL in full for admin keys only: it may carry credentials or a token (redacted to scheme://host/…). */
function webhookView({ secret, ...webhook }: WebhookRecord, fullUrl: boolean) {
  return { ...webhook, url: fullUrl ? webhook.url : redactUrl(webhook.url), signed: secret !== null };
}
