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
});
