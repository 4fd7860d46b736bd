import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startTestAgent, type TestAgent } from '../helpers/agent-harness.js';
import { rawExchange } from '../helpers/raw-http.js';

describe('limits on what a client can hold or try', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent({ env: { TRAINER_REQUEST_TIMEOUT_SECONDS: '2', TRAINER_AUTH_FAILURES_PER_MINUTE: '10' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a client trickling a body is cut off with 408 once the request timeout passes (finding 13)', async () => {
    const { hostname, port } = new URL(t.url);
    const started = Date.now();
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      const socket = connect(Number(port), hostname, () =>
        socket.write(
          `POST /api/v1/training/sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-key-1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`,
        ),
      );
      const trickle = setInterval(() => socket.writable && socket.write(' '), 200);
      socket.on('data', (chunk) => (text += chunk));
      socket.on('error', () => {});
      socket.on('close', () => {
        clearInterval(trickle);
        resolve(text);
      });
      setTimeout(() => socket.destroy(), 20_000).unref();
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect((await t.api('GET', '/health')).status).toBe(200);
  });

  it('wrong keys from one address are limited (429 with Retry-After) even with a right key after; /health stays open (finding 14)', async () => {
    const statuses: number[] = [];
    // each claims another address: with no trusted proxy configured the header is not believed
    for (let i = 0; i < 12; i++)
      statuses.push(
        (await request(t.url, 'GET', '/api/v1/training/queue', undefined, { authorization: `Bearer wrong-${i}`, 'x-forwarded-for': `203.0.113.${i}` })).status,
      );
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual([429, 429]);
    const limited = await t.api('GET', '/api/v1/training/queue');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.body).toEqual({
      detail: expect.stringMatching(/^Too many failed authentications from this address \(limit 10 per minute\); retry in \d+ s$/),
      code: 'rate_limited',
    });
    expect(limited.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect((await fetch(`${t.url}/health`)).status).toBe(200);
    expect((await t.api('GET', '/api/v1/nowhere')).status).toBe(404); // only routes that need a key are refused
  });
});

describe('behind a trusted reverse proxy (trusted_proxies)', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent({ env: { TRAINER_AUTH_FAILURES_PER_MINUTE: '3', TRAINER_TRUSTED_PROXIES: '127.0.0.0/8, ::1' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const as = (forwardedFor: string, key: string) =>
    request(t.url, 'GET', '/api/v1/training/queue', undefined, { authorization: `Bearer ${key}`, 'x-forwarded-for': forwardedFor });

  it('limits failed authentications per client the proxy names, not per proxy, and a client cannot name itself past the proxy', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await as('198.51.100.7', `wrong-${i}`)).status);
    expect(statuses).toEqual([401, 401, 401]);
    // what the client wrote to the left of what the proxy appended is not believed
    expect((await as('10.1.2.3, 198.51.100.7', 'test-key-1')).status).toBe(429);
    expect((await as('198.51.100.7', 'test-key-1')).status).toBe(429);
    // another client behind the same proxy is not locked out
    expect((await as('198.51.100.8', 'test-key-1')).status).toBe(200);
    expect((await as('2001:db8::8', 'test-key-1')).status).toBe(200);
    // a header that names no address (garbage, a port, a huge list) is answered as from the proxy itself, never a 5xx
    for (const header of ['unknown', '198.51.100.7:443', `${'x,'.repeat(2000)}198.51.100.7, junk`]) expect((await as(header, 'test-key-1')).status).toBe(200);
  });

  it('refuses to start with an entry that is not a CIDR or an address', async () => {
    await expect(startTestAgent({ env: { TRAINER_TRUSTED_PROXIES: 'proxy.internal' } })).rejects.toThrow(/trusted_proxies entry 'proxy.internal'/);
    await expect(startTestAgent({ env: { TRAINER_TRUSTED_PROXIES: '10.0.0.0/33' } })).rejects.toThrow(/bad prefix length/);
  });
});

describe('the docs routes', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('/docs/constructor, /docs/__proto__ and friends are 404, not a dropped connection (finding 16)', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__']) {
      const answer = await rawExchange(t.url, `GET /docs/${name} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(answer, name).toMatch(/^HTTP\/1\.1 404 /);
    }
    expect((await fetch(`${t.url}/docs/swagger-ui.css`)).status).toBe(200);
  });
});
