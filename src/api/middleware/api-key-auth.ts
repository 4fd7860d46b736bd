import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import { AppError, ErrorCode } from '../../errors.js';

const PUBLIC_PATHS = new Set(['/', '/health', '/openapi.json', '/docs']);
const PUBLIC_PREFIXES = ['/docs/'];

const digest = (key: string) => createHash('sha256').update(key).digest();

/**
 * Seed 000's API-key auth: `Authorization: Bearer <key>` or `X-API-Key: <key>`. Keys are compared as
 * SHA-256 digests with timingSafeEqual, against every key, so timing reveals neither key nor length.
 */
export function apiKeyAuth(keys: readonly string[]) {
  const digests = keys.map(digest);
  return async (ctx: Context, next: Next) => {
    if (PUBLIC_PATHS.has(ctx.path) || PUBLIC_PREFIXES.some((prefix) => ctx.path.startsWith(prefix))) return next();
    const presented = presentedKey(ctx);
    if (presented === null) {
      ctx.set('WWW-Authenticate', 'Bearer');
      throw new AppError(ErrorCode.Unauthorized, 'Missing API key: send Authorization: Bearer <key> or X-API-Key: <key>');
    }
    const candidate = digest(presented);
    let matched: Buffer | null = null;
    for (const known of digests) if (timingSafeEqual(candidate, known)) matched = known;
    if (!matched) {
      ctx.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw new AppError(ErrorCode.Unauthorized, 'Invalid API key');
    }
    // a key is known by a prefix of its digest: enough to tell keys apart, useless to recover one
    ctx.state.principal = { id: matched.toString('hex').slice(0, 16) };
    return next();
  };
}

/** A browser's EventSource and WebSocket cannot send headers: the stream paths also take `?api_key=`. */
const QUERY_KEY_PATHS = /^\/api\/v1\/(sse|ws)\//;

function presentedKey(ctx: Context): string | null {
  if (QUERY_KEY_PATHS.test(ctx.path) && typeof ctx.query.api_key === 'string' && ctx.query.api_key) return ctx.query.api_key;
  const authorization = ctx.get('authorization');
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (bearer) return bearer[1]!;
  const header = ctx.get('x-api-key').trim();
  return header ? header : null;
}
