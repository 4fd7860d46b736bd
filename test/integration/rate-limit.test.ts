import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startTestAgent, type TestAgent } from '../helpers/agent-harness.js';

describe('rate limiting per API key', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent({ env: { TRAINER_RATE_LIMIT_PER_MINUTE: '5', API_KEYS: 'test-key-1,other-key' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('counts down in X-RateLimit-* headers, then answers 429 with Retry-After; other keys are not affected', async () => {
    const remaining: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await t.api('GET', '/api/v1/training/queue');
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-limit')).toBe('5');
      remaining.push(response.headers.get('x-ratelimit-remaining')!);
      expect(Number(response.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    const limited = await t.api('GET', '/api/v1/training/queue');
    expect(limited.status).toBe(429);
    expect(limited.body.detail).toMatch(/Rate limit of 5 requests per minute exceeded/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

    const other = await request(t.url, 'GET', '/api/v1/training/queue', undefined, { authorization: 'Bearer other-key' });
    expect(other.status).toBe(200);
    expect((await fetch(`${t.url}/health`)).status).toBe(200); // public paths are not limited
  });

  it('keeps refusing a key over its limit with the same 429 (answered before Koa), counted per route; scope and revocation still come first', async () => {
    const admin = { authorization: 'Bearer other-key' }; // test-key-1 is over its limit since the first test
    const created = await request(t.url, 'POST', '/api/v1/keys', { name: 'dash', scope: 'read' }, admin);
    expect(created.status).toBe(201);
    const reader = { authorization: `Bearer ${created.body.key}` };
    for (let i = 0; i < 5; i++) expect((await request(t.url, 'GET', '/api/v1/training/queue', undefined, reader)).status).toBe(200);
    const refusals = [];
    for (let i = 0; i < 4; i++) refusals.push(await request(t.url, 'GET', '/API/V1/training//queue/', undefined, reader));
    for (const refusal of refusals) {
      expect(refusal.status).toBe(429);
      expect(refusal.body).toEqual({
        detail: expect.stringMatching(/^Rate limit of 5 requests per minute exceeded for this API key; retry in \d+ s$/),
        code: 'rate_limited',
      });
      expect(refusal.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(refusal.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(refusal.headers.get('x-ratelimit-reset')).toBe(refusals[0]!.headers.get('x-ratelimit-reset'));
      expect(Number(refusal.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(refusal.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    }
    // a route the key's scope does not grant is still 403, an unknown one 404, a public one served
    expect((await request(t.url, 'POST', '/api/v1/training/sessions', { recipe: 'spawn-stamp' }, reader)).status).toBe(403);
    expect((await request(t.url, 'GET', '/api/v1/nowhere', undefined, reader)).status).toBe(404);
    expect((await request(t.url, 'GET', '/health', undefined, reader)).status).toBe(200);

    const metrics = await request(t.url, 'GET', '/metrics', undefined, admin);
    const counted = new RegExp('^trainer_http_request_duration_seconds_count\\{method="GET",route="/api/v1/training/queue",status="429"\\} (\\d+)$', 'm').exec(
      String(metrics.body),
    );
    expect(Number(counted?.[1])).toBeGreaterThanOrEqual(5); // the first test's refusal, this test's four

    expect((await request(t.url, 'DELETE', `/api/v1/keys/${created.body.id}`, undefined, admin)).status).toBe(200);
    expect((await request(t.url, 'GET', '/api/v1/training/queue', undefined, reader)).status).toBe(401);
  });
});
