import type { Context } from 'koa';

/**
 * A paged list's headers: `X-Total-Count`, and while more remain a `Link: <…>; rel="next"` (RFC 8288)
 * with the same query and the next offset. `limit` undefined: the whole list was answered.
 */
export function setPageHeaders(ctx: Context, total: number, limit: number | undefined, offset: number): void {
  ctx.set('X-Total-Count', String(total));
  if (limit === undefined || offset + limit >= total) return;
  const query = new URLSearchParams(ctx.querystring);
  query.set('limit', String(limit));
  query.set('offset', String(offset + limit));
  ctx.set('Link', `<${ctx.path}?${query}>; rel="next"`);
}
