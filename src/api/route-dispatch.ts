import type Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import compose from 'koa-compose';
import { ROUTE_DOCS, type RouteDoc } from './route-docs.js';

type Layer = Router['stack'][number];

interface DispatchedRoute {
  layer: Layer;
  methods: ReadonlySet<string>;
  /** The template's literal start, lower case: a cheap test before the layer's own (case-insensitive) regexp. */
  literalStart: string;
  key: string;
  doc: RouteDoc;
  template: string;
  /** `guards(route)` then the route's own handlers, composed once at start-up. */
  run: (ctx: Context, next: Next) => Promise<unknown>;
}

/** The route a request goes to: its declaration, its key (`GET /api/v1/…/:id`) and its template. */
export interface FoundRoute {
  key: string;
  doc: RouteDoc;
  template: string;
}

export interface RouteDispatch {
  middleware: Middleware;
  /** The route `method` and `path` (already normalised) go to, or null (none: a 404 or a 405). */
  find(method: string, path: string): FoundRoute | null;
}

/** The methods @koa/router's allowedMethods implements: any other is refused 405 without looking for a route. */
const KNOWN_METHODS = new Set(['HEAD', 'OPTIONS', 'GET', 'PUT', 'PATCH', 'POST', 'DELETE']);

/**
 * One middleware that routes every request to its declared route, in place of each router's own
 * `routes()` and `allowedMethods()` (two middlewares per router, and a chain composed per request).
 * The routes, their templates and regexps stay @koa/router's: a request goes to the first route, in
 * declaration order, whose regexp matches and whose methods include its method; before the route's
 * handlers run `guards(route)`, from the route's declaration in ROUTE_DOCS (so they run for the route
 * that matched and only for it). A path some route serves with other methods answers 405 (OPTIONS: 200
 * with Allow); no route: 404. A route with no declaration stops the agent at start (it would otherwise
 * be served with no scope).
 */
export function dispatchRoutes(routers: readonly Router[], guards: (route: RouteDoc, key: string) => Middleware[]): RouteDispatch {
  const routes: DispatchedRoute[] = [];
  for (const router of routers) {
    for (const layer of router.stack) {
      const methods = layer.methods.filter((method) => method !== 'HEAD');
      if (methods.length !== 1) throw new Error(`Route ${layer.methods.join('|')} ${String(layer.path)}: declare one method per route`);
      const key = `${methods[0]} ${String(layer.path)}`;
      const doc = ROUTE_DOCS[key];
      if (!doc) throw new Error(`Route ${key} has no declaration in src/api/route-docs.ts (its scope, summary and schemas)`);
      routes.push({
        layer,
        methods: new Set(layer.methods),
        literalStart: literalStart(String(layer.path)),
        key,
        doc,
        template: String(layer.path),
        run: compose([...guards(doc, key), ...layer.stack] as Middleware[]) as DispatchedRoute['run'],
      });
    }
  }

  /** The first route, in declaration order, whose template matches `path` and whose methods include `method`. */
  const match = (method: string, path: string): { route: DispatchedRoute; match: RegExpExecArray } | null => {
    const lowerPath = path.toLowerCase();
    for (const route of routes) {
      if (!lowerPath.startsWith(route.literalStart) || !route.methods.has(method)) continue;
      const match = route.layer.regexp.exec(path);
      if (match) return { route, match };
    }
    return null;
  };
  /** The methods the routes whose template matches `path` answer (for a 405's Allow; none: a 404). */
  const allowedMethods = (path: string): string[] => {
    const allowed = new Set<string>();
    for (const route of routes) if (route.layer.regexp.test(path)) for (const method of route.methods) allowed.add(method);
    return [...allowed];
  };

  const middleware: Middleware = (ctx, next) => {
    const path = ctx.path;
    const method = ctx.method;
    if (!KNOWN_METHODS.has(method)) ctx.throw(405, `Method not allowed: ${method} is not a method this API implements`);
    const found = match(method, path);
    if (found) {
      enter(ctx, found.route, path, found.match);
      return found.route.run(ctx, next);
    }
    const allowed = allowedMethods(path);
    if (allowed.length === 0) return next();
    const allow = allowed.join(', ');
    if (method === 'OPTIONS') {
      ctx.status = 200;
      ctx.body = '';
      ctx.set('Allow', allow);
      return;
    }
    ctx.set('Allow', allow);
    ctx.throw(405, `Method not allowed: ${path} answers ${allow}`);
  };

  return {
    middleware,
    find: (method, path) => match(method, path)?.route ?? null,
  };
}

/** What @koa/router sets on a context it dispatches (params, the template matched) and the declared route (for the response check and logs). */
function enter(ctx: Context, route: DispatchedRoute, path: string, match: RegExpExecArray): void {
  const routed = ctx as Context & { _matchedRoute?: string; routerPath?: string; captures?: string[]; request: { params?: Record<string, string> } };
  const captures = match.slice(1);
  routed.captures = captures;
  ctx.params = routed.request.params = route.layer.params(path, captures);
  routed.routerPath = routed._matchedRoute = String(route.layer.path);
  ctx.state.route = { key: route.key, doc: route.doc };
}

/** `/api/v1/training/:sessionId/status` → `/api/v1/training/`: where the first parameter or pattern begins, lower case. */
function literalStart(template: string): string {
  const end = template.search(/[:{(*?+\\]/);
  return (end === -1 ? template : template.slice(0, end)).toLowerCase();
}
