import type { Context, Next } from 'koa';
import { ErrorCode } from '../../errors.js';

const WINDOW_MS = 60_000;
/** Addresses tracked at once; past this the expired windows are dropped, then (a flood of addresses) all. */
const MAX_TRACKED = 100_000;

interface Window {
  start: number;
  failures: number;
}

/**
 * Failed authentications (missing or wrong key: a 401) are counted per client address in a fixed
 * one-minute window; past `limitPerMinute`, every request from that address that needs a key is
 * answered 429 with Retry-After until the window ends (it runs only on routes that need a key), without looking at the key (so a guess that
 * happens to be right is not told apart). The answer is built without an exception: it must cost less
 * than the cheapest real answer. `limitPerMinute` 0 turns it off.
 */
export function authFailureLimit(limitPerMinute: number, now: () => number = Date.now) {
  const windows = new Map<string, Window>();
  const sweep = (time: number) => {
    for (const [address, window] of windows) if (time - window.start >= WINDOW_MS) windows.delete(address);
    if (windows.size >= MAX_TRACKED) windows.clear();
  };
  return async (ctx: Context, next: Next) => {
    if (limitPerMinute <= 0) return next();
    const address = ctx.socket.remoteAddress ?? '';
    const time = now();
    const window = windows.get(address);
    if (window && time - window.start < WINDOW_MS && window.failures >= limitPerMinute) {
      const retryAfter = Math.max(1, Math.ceil((window.start + WINDOW_MS - time) / 1000));
      ctx.status = 429;
      ctx.set('Retry-After', String(retryAfter));
      ctx.body = {
        detail: `Too many failed authentications from this address (limit ${limitPerMinute} per minute); retry in ${retryAfter} s`,
        code: 'rate_limited',
      };
      return;
    }
    try {
      await next();
    } catch (error) {
      if ((error as { code?: string }).code === ErrorCode.Unauthorized) countFailure(address, time);
      throw error;
    }
    if (ctx.status === 401) countFailure(address, time);
  };

  function countFailure(address: string, time: number): void {
    let window = windows.get(address);
    if (!window || time - window.start >= WINDOW_MS) {
      if (!window && windows.size >= MAX_TRACKED) sweep(time);
      window = { start: time, failures: 0 };
      windows.set(address, window);
    }
    window.failures++;
  }
}
