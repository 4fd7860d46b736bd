import type { Context, Middleware } from 'koa';
import { refusalOf, refuseInKoa, retryAfterSeconds, tooManyRequests, type RateLimitRefusal, type RefusingWindow } from './refusal.js';

interface Window extends RefusingWindow {
  start: number;
  count: number;
}

const WINDOW_MS = 60_000;

export interface KeyRateLimit {
  /** After the key check: counts the key's request, sets the X-RateLimit-* headers, answers 429 past the limit. */
  middleware: Middleware;
  /** Whether some key is over its limit now or was until lately (normally false: one test and no more). */
  someKeyOver(): boolean;
  /** The 429 for a key that is over its limit at `time`, or null. Counts nothing. */
  refusalFor(principalId: string, time: number): RateLimitRefusal | null;
}

/**
 * A fixed one-minute window per API key, with seed 001's X-RateLimit-* headers and a 429 (with
 * Retry-After) past the limit. Runs after auth: it counts per key. The keys over their limit are kept
 * apart, so that their next requests can be refused before Koa (over-limit-answer.ts): a client that
 * keeps asking past its limit costs the agent less than one within it.
 */
export function keyRateLimit(limitPerMinute: number, now: () => number = Date.now): KeyRateLimit {
  const windows = new Map<string, Window>();
  /** Keys past their limit, with the end of the window that holds them there. */
  const over = new Map<string, number>();
  let lastSweep = now();

  const refusal = (window: Window, time: number): RateLimitRefusal => {
    const retryAfter = retryAfterSeconds(window.start + WINDOW_MS, time);
    return refusalOf(window, retryAfter, () =>
      tooManyRequests(retryAfter, `Rate limit of ${limitPerMinute} requests per minute exceeded for this API key; retry in ${retryAfter} s`, {
        'X-RateLimit-Limit': String(limitPerMinute),
        'X-RateLimit-Remaining': '0',
        'X-RateLimit-Reset': String(Math.ceil((window.start + WINDOW_MS) / 1000)),
      }),
    );
  };

  const middleware: Middleware = (ctx: Context, next) => {
    const principal = ctx.state.principal as { id: string } | undefined;
    if (!principal) return next();
    const time = now();
    if (time - lastSweep > WINDOW_MS) {
      for (const [key, window] of windows) if (time - window.start >= WINDOW_MS) windows.delete(key);
      for (const [key, until] of over) if (time >= until) over.delete(key);
      lastSweep = time;
    }
    let window = windows.get(principal.id);
    if (!window || time - window.start >= WINDOW_MS) {
      window = { start: time, count: 0 };
      windows.set(principal.id, window);
    }
    window.count++;
    if (window.count > limitPerMinute) {
      over.set(principal.id, window.start + WINDOW_MS);
      refuseInKoa(ctx, refusal(window, time));
      return;
    }
    ctx.set('X-RateLimit-Limit', String(limitPerMinute));
    ctx.set('X-RateLimit-Remaining', String(limitPerMinute - window.count));
    ctx.set('X-RateLimit-Reset', String(Math.ceil((window.start + WINDOW_MS) / 1000)));
    return next();
  };

  return {
    middleware,
    someKeyOver: () => over.size > 0,
    refusalFor(principalId, time) {
      const until = over.get(principalId);
      if (until === undefined) return null;
      const window = windows.get(principalId);
      if (time >= until || !window) {
        over.delete(principalId);
        return null;
      }
      return refusal(window, time);
    },
  };
}
