import type { IncomingMessage, ServerResponse } from 'node:http';
import { scopeGrants } from '../domain/api-key.js';
import { presentedKey, type Principal } from './key-verifier.js';
import type { AuthFailureLimit } from './middleware/auth-failure-limit.js';
import type { KeyRateLimit } from './middleware/rate-limit.js';
import { refuseRaw, type RateLimitRefusal } from './middleware/refusal.js';
import { normalise } from './middleware/normalise-path.js';
import type { RouteDispatch } from './route-dispatch.js';
import { openApiPath } from './route-template.js';

export interface OverLimitAnswerParts {
  /** The per-key rate limit, when it is on. */
  keyLimit: Pick<KeyRateLimit, 'someKeyOver' | 'refusalFor'> | null;
  /** The limit on failed authentications per client address, when it is on. */
  addressLimit: Pick<AuthFailureLimit, 'someAddressOver' | 'refusalFor'> | null;
  /** The principal of a key that has verified before and is still valid (no digest taken here), or null. */
  rememberedKey(presented: string): Principal | null;
  routes: Pick<RouteDispatch, 'find'>;
  metrics: { observeRequest(method: string, route: string, status: number, seconds: number): void };
  now?: () => number;
}

/**
 * In front of Koa while a limit is on: the next requests of a client already over one are answered
 * their 429 here, with the headers and body the limit's middleware gives, without a Koa context, the
 * middleware chain or a key digest, so that a client that keeps asking past its limit costs the agent
 * less than one within it. Only a case known for certain is answered, on a route that needs a key:
 * - an address over its limit on failed authentications (whatever key it sends, as in Koa, where
 *   that limit runs before the key check);
 * - a key that verified before (and was not revoked since), in a header, over its rate limit now, on
 *   a route its scope grants.
 * Anything else returns false and goes on to Koa, which answers it as it always does (the first 429 of
 * a window included). The answer is counted in the request metrics as Koa's would be.
 */
export function overLimitAnswer(parts: OverLimitAnswerParts): (request: IncomingMessage, response: ServerResponse) => boolean {
  const now = parts.now ?? Date.now;
  return (request, response) => {
    const addressesOver = parts.addressLimit?.someAddressOver() ?? false;
    if (!addressesOver && !parts.keyLimit?.someKeyOver()) return false;
    const started = performance.now();
    const method = request.method ?? '';
    if (method === 'HEAD' || method === 'OPTIONS') return false;
    const time = now();
    let refusal: RateLimitRefusal | null = addressesOver ? parts.addressLimit!.refusalFor(request, time) : null;
    let principal: Principal | null = null;
    if (!refusal) {
      const presented = presentedKey(request.headers, null);
      principal = presented === null ? null : parts.rememberedKey(presented);
      refusal = principal ? (parts.keyLimit?.refusalFor(principal.id, time) ?? null) : null;
      if (!refusal) return false;
    }
    const url = request.url ?? '';
    const query = url.indexOf('?');
    if (!url.startsWith('/') || url.includes('#')) return false;
    const route = parts.routes.find(method, normalise(query === -1 ? url : url.slice(0, query)));
    if (!route || route.doc.scope === 'public') return false;
    // a stream route takes `?api_key=` before the header: Koa decides which key that request presents
    if (principal && (route.doc.stream || !scopeGrants(principal.scope, route.doc.scope))) return false;
    refuseRaw(response, refusal);
    parts.metrics.observeRequest(method, openApiPath(route.template), 429, (performance.now() - started) / 1e3);
    return true;
  };
}
