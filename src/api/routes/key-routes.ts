import Router from '@koa/router';
import type { ApiKeyRecord } from '../../domain/api-key.js';
import { parse } from '../parse.js';
import { CreateKeyBody } from '../schemas.js';
import type { ApiServices } from '../services.js';

/** API keys with scopes (admin keys only): the key is shown once, at creation; only digests are stored. */
export function keyRoutes({ keys }: ApiServices): Router {
  const router = new Router({ prefix: '/api/v1/keys' });
  router.post('/', async (ctx) => {
    const body = parse(CreateKeyBody, ctx.request.body);
    const { key, record } = await keys.create(body.name, body.scope);
    ctx.status = 201;
    ctx.body = { ...keyView(record), key };
  });
  router.get('/', (ctx) => {
    ctx.body = keys.list().map(keyView);
  });
  router.delete('/:keyId', async (ctx) => {
    const record = await keys.revoke(ctx.params.keyId!);
    ctx.body = { message: `API key '${record.name}' (${record.id}) revoked`, ...keyView(record) };
  });
  return router;
}

function keyView(record: ApiKeyRecord) {
  return { id: record.id, name: record.name, scope: record.scope, prefix: record.prefix, created_at: record.created_at, revoked_at: record.revoked_at };
}
