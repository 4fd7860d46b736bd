import type { Context, Next } from 'koa';
import { scopeGrants, type RouteScope } from '../../domain/api-key.js';
import { AppError, ErrorCode } from '../../errors.js';
import { presentedKey, type Principal } from '../key-verifier.js';

export interface RouteAccess {
  scope: RouteScope;
  /** Takes the key as `?api_key=` too (the SSE streams). */
  stream?: boolean;
}

/**
 * Seed 000's API-key auth for one route, run after routing with that route's declared scope:
 * `Authorization: Bearer <key>` or `X-API-Key: <key>`, 401 without a valid key, 403 when the key's
 * scope does not grant the route's. The path is never looked at: `/API/V1/KEYS` is the keys route
 * and needs what it needs.
 */
export function apiKeyAuth(route: RouteAccess, verify: (presented: string) => Principal | null, onFailure?: (ctx: Context) => void) {
  // not async: a request that passes adds no promise of its own (the chain is composed, so a throw still rejects)
  return (ctx: Context, next: Next) => {
    if (route.scope === 'public') return next();
    const presented = presentedKey(ctx.headers as Record<string, string>, route.stream ? new URLSearchParams(ctx.querystring) : null);
    if (presented === null) {
      onFailure?.(ctx);
      ctx.set('WWW-Authenticate', 'Bearer');
      throw new AppError(ErrorCode.Unauthorized, 'Missing API key: send Authorization: Bearer <key> or X-API-Key: <key>');
    }
    const principal = verify(presented);
    if (!principal) {
      onFailure?.(ctx);
      ctx.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw new AppError(ErrorCode.Unauthorized, 'Invalid API key');
    }
    if (!scopeGrants(principal.scope, route.scope)) {
      const hint = route.scope === 'exec' ? ': running commands needs a key with the exec scope (trainer keys create --name ci --scope exec)' : '';
      throw new AppError(
        ErrorCode.Forbidden,
        `This API key ('${principal.name}') has scope '${principal.scope}'; ${ctx.method} ${ctx.path} needs '${route.scope}'${hint}`,
      );
    }
    ctx.state.principal = principal;
    return next();
  };
}
