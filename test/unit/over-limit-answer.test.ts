import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa, { type Context } from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { authFailureLimit } from '../../src/api/middleware/auth-failure-limit.js';
import { keyRateLimit } from '../../src/api/middleware/rate-limit.js';
import { overLimitAnswer } from '../../src/api/over-limit-answer.js';
import { dispatchRoutes } from '../../src/api/route-dispatch.js';
import type { Principal } from '../../src/api/key-verifier.js';

// The limiter's windows and the answer before Koa, on a real loopback server with real declared routes
// (src/api/route-docs.ts): what the answer does not take goes on to the server's other listener.

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

const WRITER: Principal = { id: 'writer', scope: 'write', name: 'ci' };
const READER: Principal = { id: 'reader', scope: 'read', name: 'dash' };

function routes() {
  const training = new Router({ prefix: '/api/v1/training' });
  training.get('/queue', () => undefined);
  training.get('/:sessionId/status', () => undefined);
  training.post('/sessions', () => undefined);
  const streams = new Router({ prefix: '/api/v1/sse' });
  streams.get('/training/:sessionId', () => undefined);
  const health = new Router();
  health.get('/health', () => undefined);
  return dispatchRoutes([health, training, streams], () => []);
}

/** A limit of 1 a minute, both keys over it (one counted request each, then one over); the clock is the test's. */
function overLimit(clock: { now: number }) {
  const limit = keyRateLimit(1, () => clock.now);
  for (const principal of [WRITER, READER])
    for (let i = 0; i < 2; i++) {
      const ctx = { state: { principal }, set: () => undefined } as unknown as Context;
      void limit.middleware(ctx, async () => undefined);
    }
  return limit;
}

async function serve(answer: ReturnType<typeof overLimitAnswer>) {
  server = createServer((request, response) => {
    if (!answer(request, response)) response.writeHead(299, { 'content-type': 'text/plain' }).end('went on');
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server!.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return async (method: string, path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(url + path, { method, headers });
    return { status: response.status, headers: response.headers, text: await response.text() };
  };
}

describe('keyRateLimit', () => {
  it('counts per key, answers 429 past the limit, and refuses a key over it until its window ends', async () => {
    const clock = { now: 1_000_000 };
    const limit = keyRateLimit(2, () => clock.now);
    expect(limit.someKeyOver()).toBe(false);
    const answers: { status?: number; headers: Record<string, string>; body?: unknown }[] = [];
    for (let i = 0; i < 3; i++) {
      const seen: { status?: number; headers: Record<string, string>; body?: unknown } = { headers: {} };
      const ctx = {
        state: { principal: WRITER },
        set(name: string | Record<string, string>, value?: string) {
          Object.assign(seen.headers, typeof name === 'string' ? { [name]: value } : name);
        },
        set status(status: number) {
          seen.status = status;
        },
        set body(body: unknown) {
          seen.body = body;
        },
      } as unknown as Context;
      await limit.middleware(ctx, async () => undefined);
      answers.push(seen);
    }
    expect(answers.map((answer) => answer.headers['X-RateLimit-Remaining'])).toEqual(['1', '0', '0']);
    expect(answers.map((answer) => answer.status)).toEqual([undefined, undefined, 429]);
    expect(JSON.parse(answers[2]!.body as string)).toEqual({
      detail: 'Rate limit of 2 requests per minute exceeded for this API key; retry in 60 s',
      code: 'rate_limited',
    });
    expect(answers[2]!.headers['Retry-After']).toBe('60');

    expect(limit.someKeyOver()).toBe(true);
    expect(limit.refusalFor(READER.id, clock.now)).toBeNull();
    clock.now += 59_001; // the last second of the window: retry in 1 s, never 0 and never 61
    const refusal = limit.refusalFor(WRITER.id, clock.now)!;
    expect(limit.refusalFor(WRITER.id, clock.now + 500)).toBe(refusal); // built once per second of the window
    expect(refusal.headers).toMatchObject({ 'Retry-After': '1', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Limit': '2' });
    expect(JSON.parse(refusal.body).detail).toMatch(/retry in 1 s$/);
    clock.now += 999;
    expect(limit.refusalFor(WRITER.id, clock.now)).toBeNull();
    expect(limit.someKeyOver()).toBe(false);
  });
});

describe('overLimitAnswer', () => {
  it('answers a remembered key over its limit on a keyed route its scope grants, with the limiter’s 429, and counts it', async () => {
    const clock = { now: 5_000_000 };
    const observed: unknown[][] = [];
    const call = await serve(
      overLimitAnswer({
        keyLimit: overLimit(clock),
        addressLimit: null,
        rememberedKey: (presented) => ({ 'key-w': WRITER, 'key-r': READER })[presented] ?? null,
        routes: routes(),
        metrics: { observeRequest: (...args) => observed.push(args) },
        now: () => clock.now,
      }),
    );
    const limited = await call('GET', '/API/v1//training/sess_1/status/', { authorization: 'Bearer key-w' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(limited.headers.get('x-ratelimit-limit')).toBe('1');
    expect(JSON.parse(limited.text)).toEqual({ detail: 'Rate limit of 1 requests per minute exceeded for this API key; retry in 60 s', code: 'rate_limited' });
    expect((await call('GET', '/api/v1/training/queue', { 'x-api-key': 'key-r' })).status).toBe(429);
    expect(observed).toEqual([
      ['GET', '/api/v1/training/{sessionId}/status', 429, expect.any(Number)],
      ['GET', '/api/v1/training/queue', 429, expect.any(Number)],
    ]);

    // what it cannot be sure of goes on, to be answered as Koa always does
    const wentOn = [
      await call('GET', '/api/v1/training/queue'), // no key
      await call('GET', '/api/v1/training/queue', { authorization: 'Bearer never-verified' }),
      await call('GET', '/health', { authorization: 'Bearer key-w' }), // public
      await call('GET', '/api/v1/nowhere', { authorization: 'Bearer key-w' }), // 404
      await call('DELETE', '/api/v1/training/queue', { authorization: 'Bearer key-w' }), // 405
      await call('POST', '/api/v1/training/sessions', { authorization: 'Bearer key-r' }), // 403: a read key may not write
      await call('HEAD', '/api/v1/training/queue', { authorization: 'Bearer key-w' }),
      await call('GET', '/api/v1/sse/training/sess_1?api_key=other', { authorization: 'Bearer key-w' }), // the query's key counts
    ];
    expect(wentOn.map((answer) => answer.status)).toEqual([299, 299, 299, 299, 299, 299, 299, 299]);

    clock.now += 60_000; // a new window: Koa counts the key again
    expect((await call('GET', '/api/v1/training/queue', { authorization: 'Bearer key-w' })).status).toBe(299);
    expect(observed).toHaveLength(2);
  });

  it('takes nothing while no key is over its limit', async () => {
    const call = await serve(
      overLimitAnswer({
        keyLimit: keyRateLimit(1),
        addressLimit: authFailureLimit(1),
        rememberedKey: () => WRITER,
        routes: routes(),
        metrics: { observeRequest: () => expect.unreachable('nothing answered') },
      }),
    );
    expect((await call('GET', '/api/v1/training/queue', { authorization: 'Bearer key-w' })).status).toBe(299);
  });

  it('answers every request from an address over its failed-authentication limit on a keyed route, whatever key it sends', async () => {
    const clock = { now: 9_000_000 };
    const addressLimit = authFailureLimit(2, undefined, () => clock.now);
    const observed: unknown[][] = [];
    const call = await serve(
      overLimitAnswer({
        keyLimit: null,
        addressLimit,
        rememberedKey: (presented) => (presented === 'key-w' ? WRITER : null),
        routes: routes(),
        metrics: { observeRequest: (...args) => observed.push(args) },
        now: () => clock.now,
      }),
    );
    expect((await call('GET', '/api/v1/training/queue', { authorization: 'Bearer key-w' })).status).toBe(299);
    const peer = { socket: { remoteAddress: '127.0.0.1' }, headers: {} } as unknown as Context;
    addressLimit.recordFailure(peer);
    expect((await call('GET', '/api/v1/training/queue')).status).toBe(299); // one failure: under the limit
    addressLimit.recordFailure(peer);
    const refused = await call('GET', '/api/v1/training/queue', { authorization: 'Bearer key-w' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(JSON.parse(refused.text)).toEqual({
      detail: 'Too many failed authentications from this address (limit 2 per minute); retry in 60 s',
      code: 'rate_limited',
    });
    expect((await call('GET', '/api/v1/sse/training/sess_1?api_key=x')).status).toBe(429); // before any key is looked at
    expect((await call('GET', '/health')).status).toBe(299); // public
    expect(observed.map((args) => args.slice(0, 3))).toEqual([
      ['GET', '/api/v1/training/queue', 429],
      ['GET', '/api/v1/sse/training/{sessionId}', 429],
    ]);
    clock.now += 60_000;
    expect((await call('GET', '/api/v1/training/queue', { authorization: 'Bearer key-w' })).status).toBe(299);
    expect(addressLimit.someAddressOver()).toBe(false);
  });
});
