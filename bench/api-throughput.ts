import { Agent as HttpAgent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa from 'koa';
import { BENCH_KEY, fmt, startBenchAgent, type BenchResult } from './harness.js';

const REQUESTS = 20_000;
const CONCURRENCY = 16;

async function hammer(url: string, headers: Record<string, string>): Promise<number> {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: CONCURRENCY });
  const target = new URL(url);
  let sent = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: target.hostname, port: target.port, path: target.pathname, agent, headers }, (response) => {
        response.resume();
        response.on('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`status ${response.statusCode}`))));
      });
      req.on('error', reject);
      req.end();
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (sent < REQUESTS) {
        sent++;
        await one();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return REQUESTS / seconds;
}

/** GET …/status through the whole agent (auth, rate limiter, metrics, validation) against a bare Koa route. */
export async function apiThroughput(): Promise<BenchResult> {
  const bench = await startBenchAgent();
  let agentRps: number;
  try {
    const { session_id } = await bench.api('POST', '/api/v1/training/sessions', { recipe: 'spawn-stamp' });
    await hammer(`${bench.url}/api/v1/training/${session_id}/status`, { authorization: `Bearer ${BENCH_KEY}` }); // warm-up
    agentRps = await hammer(`${bench.url}/api/v1/training/${session_id}/status`, { authorization: `Bearer ${BENCH_KEY}` });
  } finally {
    await bench.close();
  }
  const app = new Koa();
  const router = new Router();
  const body = { session_id: 'sess_000000000000', state: 'created', current_epoch: null, total_epochs: null, start_time: null, end_time: null, error_message: null };
  router.get('/status', (ctx) => {
    ctx.body = body;
  });
  app.use(router.routes());
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const bareUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/status`;
  await hammer(bareUrl, {});
  const bareRps = await hammer(bareUrl, {});
  server.close();
  const ratio = agentRps / bareRps;
  return {
    title: 'API throughput: GET /api/v1/training/{id}/status',
    figures: [
      { name: `agent (${REQUESTS} requests, ${CONCURRENCY} keep-alive connections)`, value: `${fmt(agentRps, 0)} requests/s` },
      { name: 'bare Koa route, same body', value: `${fmt(bareRps, 0)} requests/s` },
    ],
    target: { description: 'API ≥ 70% of bare Koa', ratio, met: ratio >= 0.7 },
  };
}
