import type { IncomingMessage, ServerResponse } from 'node:http';
import { scopeGrants } from '../domain/api-key.js';
import { presentedKey, type Principal } from './key-verifier.js';
import type { KeyRateLimit } from './middleware/rate-limit.js';
import { normalise } from './middleware/normalise-path.js';
import type { RouteDispatch } from './route-dispatch.js';
import { openApiPath } from './route-template.js';

export interface OverLimitAnswerParts {
  limit: Pick<KeyRateLimit, 'someKeyOver' | 'refusalFor'>;
  /** The principal of a key that has verified before and is still valid (no digest taken here), or null. */
  rememberedKey(presented: string): Principal | null;
  routes: Pick<RouteDispatch, 'find'>;
  metrics: { observeRequest(method: string, route: string, status: number, seconds: number): void };
  now?: () => number;
}

/**
 * In front of Koa when the per-key rate limit is on: the next requests of a key already over its limit
 * are answered their 429 here, with the headers and body the limiter's middleware gives, without a Koa
 * context, the middleware chain or a key digest, so that a client that keeps asking past its limit costs
 * the agent less than one within it. Only a case known for certain is answered: a key that verified
 * before (and was not revoked since), in a header, over its limit now, on a route that needs a key and
 * that the key's scope grants. Anything else returns false and goes on to Koa, which answers it as it
 * always does (the first 429 of a window included). The answer is counted in the request metrics as
 * Koa's would be.
 */
export function overLimitAnswer(parts: OverLimitAnswerParts): (request: IncomingMessage, response: ServerResponse) => boolean {
  const now = parts.now ?? Date.now;
  return (request, response) => {
    if (!parts.limit.someKeyOver()) return false;
    const started = performance.now();
    const method = request.method ?? '';
    if (method === 'HEAD' || method === 'OPTIONS') return false;
    const presented = presentedKey(request.headers, null);
    const principal = presented === null ? null : parts.rememberedKey(presented);
    if (!principal) return false;
    const refusal = parts.limit.refusalFor(principal.id, now());
    if (!refusal) return false;
    const url = request.url ?? '';
    const query = url.indexOf('?');
    if (!url.startsWith('/') || url.includes('#')) return false;
    const route = parts.routes.find(method, normalise(query === -1 ? url : url.slice(0, query)));
    // a stream route takes `?api_key=` before the header: Koa decides which key that request presents
    if (!route || route.doc.stream || route.doc.scope === 'public' || !scopeGrants(principal.scope, route.doc.scope)) return false;
    response.statusCode = 429;
    for (const name in refusal.headers) response.setHeader(name, refusal.headers[name]!);
    response.end(refusal.body);
    parts.metrics.observeRequest(method, openApiPath(route.template), 429, (performance.now() - started) / 1e3);
    return true;
  };
}
