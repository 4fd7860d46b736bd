import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { dispatchRoutes } from '../../src/api/route-dispatch.js';
import type { RouteDoc } from '../../src/api/route-docs.js';

// Real declared templates (src/api/route-docs.ts), served by a real Koa app on a loopback port.
let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

async function serve(routers: Router[], guards: (route: RouteDoc, key: string) => Middleware[] = () => []) {
  const app = new Koa();
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      ctx.status = (error as { status?: number }).status ?? 500;
      ctx.body = { detail: (error as Error).message };
    }
  });
  app.use(dispatchRoutes(routers, guards).middleware);
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server!.once('listening', resolve));
  const url = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
  return async (method: string, path: string) => {
    const response = await fetch(url + path, { method });
    const text = await response.text();
    return { status: response.status, allow: response.headers.get('allow'), text };
  };
}

function keysRouter(): Router {
  const router = new Router({ prefix: '/api/v1/keys' });
  router.get('/', (ctx) => {
    ctx.body = { route: 'list' };
  });
  router.post('/', (ctx) => {
    ctx.body = { route: 'create' };
  });
  router.delete('/:keyId', (ctx) => {
    ctx.body = { route: 'revoke', keyId: ctx.params.keyId, template: (ctx as unknown as { _matchedRoute: string })._matchedRoute };
  });
  return router;
}

describe('dispatchRoutes', () => {
  it('runs the declared route’s guards, with its declaration, before its handler; params decoded, template recorded', async () => {
    const seen: string[] = [];
    const call = await serve([keysRouter()], (doc, key) => [
      (ctx, next) => {
        seen.push(`${key} (${doc.scope}) → ${ctx.state.route.key}`);
        return next();
      },
    ]);
    const revoked = await call('DELETE', '/API/V1/KEYS/key%5F1');
    expect(revoked.status).toBe(200);
    expect(JSON.parse(revoked.text)).toEqual({ route: 'revoke', keyId: 'key_1', template: '/api/v1/keys/:keyId' });
    expect(seen).toEqual(['DELETE /api/v1/keys/:keyId (admin) → DELETE /api/v1/keys/:keyId']);
  });

  it('answers 405 with Allow for a path served with other methods, 200 with Allow to OPTIONS, and leaves other paths to what follows (404)', async () => {
    const call = await serve([keysRouter()]);
    const wrongMethod = await call('PUT', '/api/v1/keys');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.allow).toBe('HEAD, GET, POST');
    const options = await call('OPTIONS', '/api/v1/keys/key_1');
    expect(options).toMatchObject({ status: 200, allow: 'DELETE' });
    expect((await call('GET', '/api/v1/nothing')).status).toBe(404);
    expect((await call('PROPFIND', '/api/v1/keys')).status).toBe(405);
  });

  it('refuses to start with a route that has no declaration, or more than one method', () => {
    const undeclared = new Router();
    undeclared.get('/api/v1/undeclared', () => {});
    expect(() => dispatchRoutes([undeclared], () => [])).toThrow(/no declaration in src\/api\/route-docs.ts/);
    const twoMethods = new Router();
    twoMethods.register('/api/v1/keys', ['GET', 'POST'], () => {});
    expect(() => dispatchRoutes([twoMethods], () => [])).toThrow(/one method per route/);
  });
});
