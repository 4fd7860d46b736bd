import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { ROUTE_DOCS, type RouteDoc } from './route-docs.js';

/**
 * Puts `guards(route)` in front of every route's own handlers, from the route's declaration in
 * ROUTE_DOCS: they run after routing, for the route that matched and only for it. A route with no
 * declaration stops the agent at start (it would otherwise be served with no scope).
 */
export function guardRoutes(routers: readonly Router[], guards: (route: RouteDoc, key: string) => Middleware[]): void {
  for (const router of routers) {
    for (const layer of router.stack) {
      const methods = layer.methods.filter((method) => method !== 'HEAD');
      if (methods.length !== 1) throw new Error(`Route ${layer.methods.join('|')} ${String(layer.path)}: declare one method per route`);
      const key = `${methods[0]} ${String(layer.path)}`;
      const route = ROUTE_DOCS[key];
      if (!route) throw new Error(`Route ${key} has no declaration in src/api/route-docs.ts (its scope, summary and schemas)`);
      layer.stack.unshift(...(guards(route, key) as typeof layer.stack));
    }
  }
}
