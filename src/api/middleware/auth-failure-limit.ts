import type { Context, Middleware } from 'koa';
import type { AddressSource } from '../client-address.js';
import { refusalOf, refuseInKoa, retryAfterSeconds, tooManyRequests, type RateLimitRefusal, type RefusingWindow } from './refusal.js';

const WINDOW_MS = 60_000;
/** Addresses tracked at once; past this the expired windows are dropped, then (a flood of addresses) all. */
const MAX_TRACKED = 100_000;

interface Window extends RefusingWindow {
  start: number;
  failures: number;
}

export interface AuthFailureLimit {
  /** In front of each route that needs a key: answers 429 to an address over its limit. */
  guard: Middleware;
  /** Told by the key check of each failed authentication (a 401). */
  recordFailure(ctx: Context): void;
  /** Whether some address is over its limit now or was until lately (normally false: one test and no more). */
  someAddressOver(): boolean;
  /** The 429 for a request from an address over its limit at `time`, or null. */
  refusalFor(source: AddressSource, time: number): RateLimitRefusal | null;
}

/**
 * Failed authentications (missing or wrong key: a 401) are counted per client address (`addressOf`:
 * the TCP peer, or the client a trusted proxy names, client-address.ts) in a fixed
 * one-minute window; past `limitPerMinute`, every request from that address that needs a key is
 * answered 429 with Retry-After until the window ends (the guard runs only on routes that need a key),
 * without looking at the key (so a guess that happens to be right is not told apart). The answer is
 * built without an exception, and a request within its limit passes with no promise of its own; the
 * addresses over their limit are kept apart, so that their next requests are refused before Koa
 * (over-limit-answer.ts): a 429 must cost less than the cheapest real answer.
 */
export function authFailureLimit(
  limitPerMinute: number,
  addressOf: (source: AddressSource) => string = (source) => source.socket.remoteAddress ?? '',
  now: () => number = Date.now,
): AuthFailureLimit {
  const windows = new Map<string, Window>();
  /** Addresses at their limit, with the end of the window that holds them there. */
  const over = new Map<string, number>();
  const sweep = (time: number) => {
    for (const [address, window] of windows) if (time - window.start >= WINDOW_MS) windows.delete(address);
    for (const [address, until] of over) if (time >= until) over.delete(address);
    if (windows.size >= MAX_TRACKED) windows.clear();
  };
  const refusalFor = (source: AddressSource, time: number): RateLimitRefusal | null => {
    const address = addressOf(source);
    const window = windows.get(address);
    if (!window || time - window.start >= WINDOW_MS || window.failures < limitPerMinute) {
      over.delete(address);
      return null;
    }
    const retryAfter = retryAfterSeconds(window.start + WINDOW_MS, time);
    return refusalOf(window, retryAfter, () =>
      tooManyRequests(retryAfter, `Too many failed authentications from this address (limit ${limitPerMinute} per minute); retry in ${retryAfter} s`),
    );
  };
  const guard: Middleware = (ctx, next) => {
    if (windows.size === 0) return next();
    const refusal = refusalFor(ctx, now());
    if (!refusal) return next();
    refuseInKoa(ctx, refusal);
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
    if (window.failures >= limitPerMinute) {
      if (!over.has(address) && over.size >= MAX_TRACKED) sweep(time);
      over.set(address, window.start + WINDOW_MS);
    }
  };
  return { guard, recordFailure, someAddressOver: () => over.size > 0, refusalFor };
}
