import Router from '@koa/router';
import { parse } from '../parse.js';
import { AcknowledgeBody, AlertsQuery, CreateRuleBody, SilenceBody } from '../schemas.js';
import type { ApiServices } from '../services.js';

/** Seed 001's alerts and alert rules, plus silences. */
export function alertRoutes({ alerts }: ApiServices): Router {
  const router = new Router({ prefix: '/api/v1/alerts' });

  router.get('/', (ctx) => {
    ctx.body = { alerts: alerts.listAlerts(parse(AlertsQuery, ctx.query)) };
  });
  router.post('/:alertId/acknowledge', async (ctx) => {
    const body = parse(AcknowledgeBody, ctx.request.body);
    ctx.body = await alerts.acknowledge(
      ctx.params.alertId!,
      body.acknowledged_by ?? (ctx.state.principal as { name?: string })?.name ?? null,
      body.notes ?? null,
    );
  });

  router.get('/rules', (ctx) => {
    ctx.body = { rules: alerts.listRules() };
  });
  router.post('/rules', async (ctx) => {
    ctx.status = 201;
    ctx.body = await alerts.createRule(parse(CreateRuleBody, ctx.request.body));
  });
  router.delete('/rules/:ruleId', async (ctx) => {
    const rule = await alerts.deleteRule(ctx.params.ruleId!);
    ctx.body = { message: `Alert rule '${rule.name}' deleted` };
  });

  router.get('/silences', (ctx) => {
    ctx.body = { silences: alerts.listSilences() };
  });
  router.post('/silences', async (ctx) => {
    ctx.status = 201;
    ctx.body = await alerts.silence(parse(SilenceBody, ctx.request.body));
  });
  router.delete('/silences/:silenceId', async (ctx) => {
    await alerts.deleteSilence(ctx.params.silenceId!);
    ctx.body = { message: 'Silence removed' };
  });
  return router;
}
