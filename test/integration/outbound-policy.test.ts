import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboundHttp, OUTBOUND_BODY_CAP_BYTES } from '../../dist/src/plugins/outbound-http.js';
import { startTestAgent, type TestAgent } from '../helpers/agent-harness.js';

/** A local server: `/redirect` answers 302 to `/landing`, `/huge` streams 200 MB, anything else 200. */
async function startTarget() {
  const hits: string[] = [];
  let hugeBytesSent = 0;
  const server: Server = createServer((request, response) => {
    hits.push(request.url!);
    request.resume();
    if (request.url === '/redirect') return void response.writeHead(302, { location: '/landing' }).end();
    if (request.url === '/huge') {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 120);
      const pump = () => {
        while (hugeBytesSent < 200 * 1024 * 1024) {
          hugeBytesSent += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
        response.end();
      };
      response.on('close', () => {});
      return pump();
    }
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    hugeBytesSent: () => hugeBytesSent,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Issue 14 findings 9 and 10: outbound HTTP reached private addresses, followed redirects and read whole answers. */
describe('outbound HTTP policy', () => {
  const strict = createOutboundHttp({ allow: [] });

  it('refuses loopback in every notation, link-local, RFC 1918, CGNAT, ULA, multicast and mapped addresses', async () => {
    for (const url of [
      'http://127.0.0.1/',
      'http://127.1/',
      'http://2130706433/',
      'http://0x7f000001/',
      'http://0177.0.0.1/',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:7f00:1]/',
      'http://0.0.0.0/',
      'http://169.254.169.254/latest/meta-data',
      'http://10.1.2.3/',
      'http://172.16.0.1/',
      'http://192.168.1.1/',
      'http://100.64.0.1/',
      'http://[fd00::1]/',
      'http://[fe80::1]/',
      'http://224.0.0.1/',
      'http://localhost/',
    ]) {
      await expect(strict.check(url), url).rejects.toThrow(/loopback, link-local, private or multicast/);
      await expect(strict.post(url, { body: '{}' }), url).rejects.toThrow(/loopback, link-local, private or multicast/);
    }
    await expect(strict.check('ftp://example.com/')).rejects.toThrow(/only http and https/);
  });

  it('lets through what outbound_allow names (CIDR, address or host name), and nothing next to it', async () => {
    const target = await startTarget();
    try {
      const port = new URL(target.url).port;
      for (const allow of [['127.0.0.0/8'], ['127.0.0.1'], ['localhost', '::1/128']]) {
        const http = createOutboundHttp({ allow });
        const host = allow[0] === 'localhost' ? 'localhost' : '127.0.0.1';
        expect((await http.post(`http://${host}:${port}/x`, { body: '{}' })).status, allow.join()).toBe(200);
      }
      await expect(createOutboundHttp({ allow: ['127.0.0.2/32'] }).post(`${target.url}/x`, { body: '{}' })).rejects.toThrow(/outbound_allow/);
      expect(() => createOutboundHttp({ allow: ['10.0.0.0/33'] })).toThrow(/outbound_allow/);
    } finally {
      await target.close();
    }
  });

  it('does not follow redirects, and reads at most the cap of a 200 MB answer', async () => {
    const target = await startTarget();
    try {
      const http = createOutboundHttp({ allow: ['127.0.0.0/8'] });
      const redirected = await http.post(`${target.url}/redirect`, { body: '{}' });
      expect(redirected.status).toBe(302);
      expect(target.hits).not.toContain('/landing');
      const rssBefore = process.memoryUsage().rss;
      const huge = await http.post(`${target.url}/huge`, { body: '{}' });
      expect(huge.status).toBe(200);
      expect(huge.body.length).toBeLessThanOrEqual(OUTBOUND_BODY_CAP_BYTES);
      expect(target.hugeBytesSent()).toBeLessThan(50 * 1024 * 1024); // the connection was dropped, not drained
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * 1024 * 1024);
    } finally {
      await target.close();
    }
  });
});

describe('webhooks under the outbound policy', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent({ env: { TRAINER_OUTBOUND_ALLOW: '' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a webhook to a private destination is refused at registration with the reason (422)', async () => {
    for (const url of [
      'http://169.254.169.254/latest/meta-data',
      'http://127.0.0.1:22/',
      'http://[::1]:6379/',
      'http://10.0.0.1/hook',
      'http://localhost:9/',
    ]) {
      const response = await t.api('POST', '/api/v1/webhooks', { url, events: ['training_started'] });
      expect(response.status, url).toBe(422);
      expect(response.body.detail).toMatch(/outbound_allow/);
    }
    expect((await t.api('GET', '/api/v1/webhooks')).body.webhooks ?? (await t.api('GET', '/api/v1/webhooks')).body).toHaveLength(0);
  });
});
