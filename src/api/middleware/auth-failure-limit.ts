import type { Context, Middleware } from 'koa';

const WINDOW_MS = 60_000;
/** Addresses tracked at once; past this the expired windows are dropped, then (a flood of addresses) all. */
const MAX_TRACKED = 100_000;

interface Window {
  start: number;
  failures: number;
}

export interface AuthFailureLimit {
  /** In front of each route that needs a key: answers 429 to an address over its limit. */
  guard: Middleware;
  /** Told by the key check of each failed authentication (a 401). */
  recordFailure(ctx: Context): void;
}

/**
 * Failed authentications (missing or wrong key: a 401) are counted per client address (`addressOf`:
 * the TCP peer, or the client a trusted proxy names, client-address.ts) in a fixed
 * one-minute window; past `limitPerMinute`, every request from that address that needs a key is
 * answered 429 with Retry-After until the window ends (the guard runs only on routes that need a key),
 * without looking at the key (so a guess that happens to be right is not told apart). The answer is
 * built without an exception, and a request within its limit passes with no promise of its own: a 429
 * must cost less than the cheapest real answer.
 */
export function authFailureLimit(
  limitPerMinute: number,
  addressOf: (ctx: Context) => string = (ctx) => ctx.socket.remoteAddress ?? '',
  now: () => number = Date.now,
): AuthFailureLimit {
  const windows = new Map<string, Window>();
  const sweep = (time: number) => {
    for (const [address, window] of windows) if (time - window.start >= WINDOW_MS) windows.delete(address);
    if (windows.size >= MAX_TRACKED) windows.clear();
  };
  const guard: Middleware = (ctx, next) => {
    const window = windows.get(addressOf(ctx));
    if (!window) return next();
    const time = now();
    if (time - window.start < WINDOW_MS && window.failures >= limitPerMinute) {
      const retryAfter = Math.max(1, Math.ceil((window.start + WINDOW_MS - time) / 1000));
      ctx.status = 429;
      ctx.set('Retry-After', String(retryAfter));
      ctx.body = {
        detail: `Too many failed authentications from this address (limit ${limitPerMinute} per minute); retry in ${retryAfter} s`,
        code: 'rate_limited',
      };
      return;
    }
    return next();
  };
  const recordFailure = (ctx: Context) => {
    const address = addressOf(ctx);
    const time = now();
    let window = windows.get(address);
    if (!window || time - window.start >= WINDOW_MS) {
      if (!window && windows.size >= MAX_TRACKED) sweep(time);
      window = { start: time, failures: 0 };
      windows.set(address, window);
    }
    window.failures++;
  };
  return { guard, recordFailure };
}
