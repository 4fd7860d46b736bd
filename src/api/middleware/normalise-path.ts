import type { Context, Next } from 'koa';

const ESCAPE = /%([0-9A-Fa-f]{2})/g;
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * The one place a request path is normalised, before routing: runs of `/` collapse to one, a
 * trailing `/` goes, and percent-encoded unreserved characters (RFC 3986 §6.2.2.2: letters, digits,
 * `-._~`) are decoded. `%2F` and other reserved escapes stay as sent. Case is left to the router,
 * which matches without it; scopes come from the route that matched, never from the path.
 */
export function normalisePath() {
  return (ctx: Context, next: Next) => {
    const normal = normalise(ctx.path);
    if (normal !== ctx.path) ctx.path = normal;
    return next();
  };
}

export function normalise(path: string): string {
  // the common case, a path already in normal form, without a regexp
  if (!path.includes('//') && !path.includes('%') && (path.length === 1 || !path.endsWith('/'))) return path;
  let normal = path.replace(/\/{2,}/g, '/');
  if (normal.includes('%'))
    normal = normal.replace(ESCAPE, (escape, hex: string) => {
      const character = String.fromCharCode(Number.parseInt(hex, 16));
      return UNRESERVED.test(character) ? character : escape;
    });
  if (normal.length > 1 && normal.endsWith('/')) normal = normal.slice(0, -1);
  return normal;
}
