import type { ServerResponse } from 'node:http';
import type { Context } from 'koa';

/** A 429 as it leaves the agent: the same from a limit's Koa middleware and from the over-limit answer before Koa. */
export interface RateLimitRefusal {
  headers: Record<string, string>;
  body: string;
}

/** Seconds until a window that ends at `windowEnd` (ms) ends, at `time`: 1 to 60, never 0. */
export function retryAfterSeconds(windowEnd: number, time: number): number {
  return Math.max(1, Math.ceil((windowEnd - time) / 1000));
}

/** A 429 with Retry-After and `{detail, code: 'rate_limited'}`; `headers` go first (a limit's own). */
export function tooManyRequests(retryAfter: number, detail: string, headers: Record<string, string> = {}): RateLimitRefusal {
  return {
    headers: { ...headers, 'Retry-After': String(retryAfter), 'Content-Type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ detail, code: 'rate_limited' }),
  };
}

/** A limit's window, which keeps its 429 for the second it says to wait: a client past its limit asks again and again. */
export interface RefusingWindow {
  refusal?: { retryAfter: number; answer: RateLimitRefusal };
}

/** The window's 429 for `retryAfter`, built once per second of the window. */
export function refusalOf(window: RefusingWindow, retryAfter: number, build: () => RateLimitRefusal): RateLimitRefusal {
  if (window.refusal?.retryAfter !== retryAfter) window.refusal = { retryAfter, answer: build() };
  return window.refusal.answer;
}

/** Answers the refusal through Koa (answered, not thrown: a 429 must cost less than the cheapest real answer). */
export function refuseInKoa(ctx: Context, refusal: RateLimitRefusal): void {
  ctx.set(refusal.headers);
  ctx.status = 429;
  ctx.body = refusal.body;
}

/** Answers the refusal on a Node response, before Koa. */
export function refuseRaw(response: ServerResponse, refusal: RateLimitRefusal): void {
  response.statusCode = 429;
  for (const name in refusal.headers) response.setHeader(name, refusal.headers[name]!);
  response.end(refusal.body);
}
