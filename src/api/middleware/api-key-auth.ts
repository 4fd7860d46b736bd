import type { Context, Next } from 'koa';
import { runsCommand, scopeAllows } from '../../domain/api-key.js';
import { AppError, ErrorCode } from '../../errors.js';
import { presentedKey, type Principal } from '../key-verifier.js';

const PUBLIC_PATHS = new Set(['/', '/health', '/api/v1/health', '/openapi.json', '/docs', '/redoc']);
const PUBLIC_PREFIXES = ['/docs/'];

/** Seed 000's API-key auth: `Authorization: Bearer <key>` or `X-API-Key: <key>` on all but the public paths. */
export function apiKeyAuth(verify: (presented: string) => Principal | null) {
  return async (ctx: Context, next: Next) => {
    if (PUBLIC_PATHS.has(ctx.path) || PUBLIC_PREFIXES.some((prefix) => ctx.path.startsWith(prefix))) return next();
    const presented = presentedKey(ctx.path, ctx.headers as Record<string, string>, new URLSearchParams(ctx.querystring));
    if (presented === null) {
      ctx.set('WWW-Authenticate', 'Bearer');
      throw new AppError(ErrorCode.Unauthorized, 'Missing API key: send Authorization: Bearer <key> or X-API-Key: <key>');
    }
    const principal = verify(presented);
    if (!principal) {
      ctx.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw new AppError(ErrorCode.Unauthorized, 'Invalid API key');
    }
    if (!scopeAllows(principal.scope, ctx.method, ctx.path)) {
      const hint = runsCommand(ctx.method, ctx.path) ? ': running commands needs a key with the exec scope (trainer keys create --name ci --scope exec)' : '';
      throw new AppError(ErrorCode.Forbidden, `This API key ('${principal.name}') has scope '${principal.scope}', which does not allow ${ctx.method} ${ctx.path}${hint}`);
    }
    ctx.state.principal = principal;
    return next();
  };
}
