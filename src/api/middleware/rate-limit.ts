import type { Context, Next } from 'koa';

interface Window {
  start: number;
  count: number;
}

const WINDOW_MS = 60_000;

/**
 * A fixed one-minute window per API key, with seed 001's X-RateLimit-* headers and a 429 (with
 * Retry-After) past the limit. `limitPerMinute` 0 turns it off. Runs after auth: it counts per key.
 */
export function rateLimit(limitPerMinute: number, now: () => number = Date.now) {
  const windows = new Map<string, Window>();
  let lastSweep = now();
  return async (ctx: Context, next: Next) => {
    const principal = ctx.state.principal as { id: string } | undefined;
    if (limitPerMinute <= 0 || !principal) return next();
    const time = now();
    if (time - lastSweep > WINDOW_MS) {
      for (const [key, window] of windows) if (time - window.start >= WINDOW_MS) windows.delete(key);
      lastSweep = time;
    }
    let window = windows.get(principal.id);
    if (!window || time - window.start >= WINDOW_MS) {
      window = { start: time, count: 0 };
      windows.set(principal.id, window);
    }
    window.count++;
    const resetSeconds = Math.ceil((window.start + WINDOW_MS) / 1000);
    ctx.set('X-RateLimit-Limit', String(limitPerMinute));
    ctx.set('X-RateLimit-Remaining', String(Math.max(0, limitPerMinute - window.count)));
    ctx.set('X-RateLimit-Reset', String(resetSeconds));
    if (window.count > limitPerMinute) {
      const retryAfter = Math.max(1, resetSeconds - Math.floor(time / 1000));
      ctx.set('Retry-After', String(retryAfter));
      // answered here, not thrown: a 429 must cost less than the cheapest real answer
      ctx.status = 429;
      ctx.body = { detail: `Rate limit of ${limitPerMinute} requests per minute exceeded for this API key; retry in ${retryAfter} s`, code: 'rate_limited' };
      return;
    }
    return next();
  };
}
