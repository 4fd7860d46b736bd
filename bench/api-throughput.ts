import { mkdtemp } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Router from '@koa/router';
import Koa from 'koa';
import { createLogger } from '../src/logging/logger.js';
import { apiKeyAuth } from '../src/api/middleware/api-key-auth.js';
import { errorHandler } from '../src/api/middleware/error-handler.js';
import { normalisePath } from '../src/api/middleware/normalise-path.js';
import { authFailureLimit } from '../src/api/middleware/auth-failure-limit.js';
import { requestMetrics } from '../src/api/middleware/request-metrics.js';
import { EventBus } from '../src/events/event-bus.js';
import { ApiKeyService } from '../src/services/api-key-service.js';
import { DEFAULT_METRIC_EXPOSURE } from '../src/domain/metric-exposure.js';
import { PrometheusMetrics } from '../src/services/prometheus-metrics.js';
import { KeyStore } from '../src/store/key-store.js';
import { BENCH_KEY, BENCH_SCRIPTS, fmt, median, removeDir, runCommand, startBenchAgent, type BenchResult, type Figure } from './harness.js';

/** Each round: WARMUP_MS of untimed requests, then DURATION_MS timed (so the suite stays bounded in time). */
const DURATION_MS = 700;
const WARMUP_MS = 250;
const CONCURRENCY = 32;
/** Rounds per server, round-robin over the servers. */
const ROUNDS = 7;
const LAYER_ROUNDS = 3;

interface LoadResult {
  requests: number;
  warmupRequests: number;
  ms: number;
  rps: number;
  errors: number;
  firstError: string | null;
  /** CPU time this process (the server: nothing else runs here meanwhile) spent per request, µs. */
  cpuUs: number;
}

/** Keep-alive GETs over CONCURRENCY connections from a separate load-generator process, for a bounded time. */
async function load(url: string, headers: Record<string, string>, expectedStatus = 200): Promise<LoadResult> {
  const cpuBefore = process.cpuUsage();
  const out = await runCommand(process.execPath, [
    join(BENCH_SCRIPTS, 'http-load.mjs'),
    url,
    String(DURATION_MS),
    String(CONCURRENCY),
    String(WARMUP_MS),
    JSON.stringify(headers),
    String(expectedStatus),
  ]);
  const cpu = process.cpuUsage(cpuBefore);
  const result = JSON.parse(out) as Omit<LoadResult, 'cpuUs'>;
  if (result.errors > 0) throw new Error(`${url}: ${result.errors} failed requests (first: ${result.firstError})`);
  return { ...result, cpuUs: (cpu.user + cpu.system) / (result.requests + result.warmupRequests) };
}

type Middleware = Koa.Middleware;

/** A Koa app with the given middleware, then one @koa/router route that answers `body`, on a loopback port. */
async function koaApp(body: unknown, middleware: Middleware[] = []): Promise<{ url: string; close(): Promise<void> }> {
  const app = new Koa();
  app.silent = true;
  for (const layer of middleware) app.use(layer);
  const router = new Router();
  router.get('/api/v1/training/:sessionId/status', (ctx) => {
    ctx.body = body;
  });
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true }));
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The agent's own middleware (same functions, from dist/), in the agent's order (src/api/app.ts). */
async function middlewareStack(dir: string): Promise<{ stack: [string, Middleware][]; dispose(): void }> {
  const keys = new ApiKeyService([BENCH_KEY], await KeyStore.open(join(dir, 'keys.json')));
  const prometheus = new PrometheusMetrics({
    runs: { countByState: () => ({}), queue: () => [] } as never,
    activity: { activity: () => undefined },
    system: { latest: () => null } as never,
    events: new EventBus(),
    exposure: DEFAULT_METRIC_EXPOSURE,
  });
  const failedAuth = authFailureLimit(10_000_000);
  return {
    stack: [
      ['requestMetrics (prom-client histogram)', requestMetrics(prometheus)],
      ['errorHandler', errorHandler(createLogger({ level: 'silent' }))],
      ['normalisePath', normalisePath()],
      ['authFailureLimit (on, as in the agent measured)', failedAuth.guard],
      ['apiKeyAuth (SHA-256 + timingSafeEqual)', apiKeyAuth({ scope: 'read' }, (presented) => keys.verify(presented), failedAuth.recordFailure)],
    ],
    dispose: () => prometheus.registry.clear(),
  };
}

interface Measured {
  names: string[];
  rps: number[][];
  cpu: number[][];
  bodyBytes: number;
}

/**
 * Starts an agent and bare Koa apps (the bare route answering the agent's own status body, verbatim,
 * under the first `depth` layers of the agent's middleware for each depth in `depths`), then loads
 * them round-robin, rotated each round, so a burst of load elsewhere on the machine hits all alike.
 */
async function measure(depths: number[], rounds: number): Promise<Measured> {
  // the rate limiter off, as in the bare app: the rate-limited path is measured on its own (api-rate-limit)
  const bench = await startBenchAgent({ TRAINER_RATE_LIMIT_PER_MINUTE: '0' });
  const dir = await mkdtemp(join(tmpdir(), 'trainer-bench-api-'));
  const apps: { close(): Promise<void> }[] = [];
  const names = ['agent'];
  const rps: number[][] = [[]];
  const cpu: number[][] = [[]];
  let dispose = () => {};
  let bodyBytes = 0;
  try {
    const { session_id: id } = await bench.api('POST', '/api/v1/training/sessions', { recipe: 'spawn-stamp' });
    const path = `/api/v1/training/${id}/status`;
    const body = await bench.api('GET', path);
    bodyBytes = Buffer.byteLength(JSON.stringify(body));
    const layers = await middlewareStack(dir);
    dispose = layers.dispose;
    const urls = [bench.url];
    for (const depth of depths) {
      const app = await koaApp(
        body,
        layers.stack.slice(0, depth).map(([, layer]) => layer),
      );
      apps.push(app);
      urls.push(app.url);
      names.push(depth === 0 ? 'bare' : `  + ${layers.stack[depth - 1]![0]}`);
      rps.push([]);
      cpu.push([]);
    }
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < urls.length; i++) {
        const which = (i + round) % urls.length;
        const result = await load(urls[which]! + path, { authorization: `Bearer ${BENCH_KEY}` });
        rps[which]!.push(result.rps);
        cpu[which]!.push(result.cpuUs);
      }
    }
  } finally {
    await Promise.all(apps.map((app) => app.close()));
    dispose();
    await bench.close();
    await removeDir(dir);
  }
  return { names, rps, cpu, bodyBytes };
}

const NOTES = [
  'The load generator is a separate Node process (scripts/http-load.mjs, keep-alive), so server and client each get one of the two cores.',
  `The rate limiter is off in the agent measured against bare Koa (its cost is in api-rate-limit); each round starts with ${WARMUP_MS} ms of untimed requests.`,
];

/** GET …/status through the whole agent (metrics, error handler, path normalisation, auth, the route dispatcher; rate limit off, so left out; a GET has no body parser) against a bare Koa route. */
export async function apiThroughput(): Promise<BenchResult> {
  const { rps, cpu, bodyBytes } = await measure([0], ROUNDS);
  // throughput: best of the rounds (on a shared machine noise only ever slows a round down);
  // server CPU per request: median of the rounds, a cross-check that moves less with load elsewhere
  const [agentBest, bareBest] = rps.map((rounds) => Math.max(...rounds)) as [number, number];
  const [agentCpu, bareCpu] = cpu.map((rounds) => median(rounds)) as [number, number];
  const ratio = agentBest / bareBest;
  const rounds = (index: number) => rps[index]!.map((value) => fmt(value, 0)).join(', ');
  return {
    title: '3. API throughput: GET /api/v1/training/{id}/status',
    figures: [
      { name: `agent, best of ${ROUNDS} rounds of ${DURATION_MS} ms, ${CONCURRENCY} conns`, value: `${fmt(agentBest, 0)} requests/s (rounds: ${rounds(0)})` },
      { name: `bare Koa + @koa/router, same ${bodyBytes}-byte body`, value: `${fmt(bareBest, 0)} requests/s (rounds: ${rounds(1)})` },
      {
        name: 'time per request at the best rate: agent / bare',
        value: `${fmt(1e6 / agentBest, 1)} / ${fmt(1e6 / bareBest, 1)} µs (+${fmt(1e6 / agentBest - 1e6 / bareBest, 1)})`,
      },
      { name: 'server CPU per request (median): agent / bare', value: `${fmt(agentCpu, 1)} / ${fmt(bareCpu, 1)} µs → ratio ${fmt(bareCpu / agentCpu, 3)}` },
    ],
    ratio: { description: 'agent requests/s ÷ bare Koa requests/s', value: ratio },
    target: { description: 'API ≥ 75% of bare Koa (rate limit off)', met: ratio >= 0.75 },
    notes: [...NOTES, 'Where the difference goes: `node dist/bench/run-all.js api-layers` (and docs/PERFORMANCE.md).'],
  };
}

/** Not in the default run: the bare app with the agent's own middleware added one layer at a time, in the agent's order. */
export async function apiLayers(): Promise<BenchResult> {
  const depths = [0, 1, 2, 3, 4, 5];
  const { names, rps, cpu } = await measure(depths, LAYER_ROUNDS);
  const best = rps.map((rounds) => Math.max(...rounds));
  const cpuPer = cpu.map((rounds) => median(rounds));
  const figures: Figure[] = [];
  // rows 1..n are bare, + layer…; the agent (row 0) closes the list
  const order = [...depths.map((_, index) => index + 1), 0];
  order.forEach((row, position) => {
    const previous = position === 0 ? null : order[position - 1]!;
    const us = 1e6 / best[row]!;
    const delta = previous === null ? '' : ` (${us >= 1e6 / best[previous]! ? '+' : ''}${fmt(us - 1e6 / best[previous]!, 1)})`;
    figures.push({
      name: row === 0 ? '  + the route dispatcher, the real handler (= the agent)' : names[row]!,
      value: `${fmt(best[row]!, 0)} requests/s, ${fmt(us, 1)} µs/request${delta}; ${fmt(cpuPer[row]!, 1)} µs CPU`,
    });
  });
  const ratio = best[0]! / best[1]!;
  return {
    title: '3b. API layers (extra): where the agent’s time per request goes',
    figures,
    ratio: { description: 'agent requests/s ÷ bare Koa requests/s', value: ratio },
    target: { description: 'API ≥ 70% of bare Koa', met: ratio >= 0.7 },
    notes: [...NOTES, 'Each row is the best of its rounds; on a loaded machine, deltas of a few µs are noise.'],
  };
}

/**
 * The rate-limited paths: one agent with the limiter on and a key within its limit (real answers of
 * GET …/status), one with a key over its limit (429s), one whose client address is over its limit on
 * failed authentications (429s, whatever the key), loaded round-robin. A 429 must cost less than the
 * cheapest real answer, or a client over a limit costs the agent more than one within it.
 */
export async function apiRateLimit(): Promise<BenchResult> {
  const within = await startBenchAgent({ TRAINER_RATE_LIMIT_PER_MINUTE: '10000000' });
  const over = await startBenchAgent({ TRAINER_RATE_LIMIT_PER_MINUTE: '1' });
  const guessing = await startBenchAgent({ TRAINER_AUTH_FAILURES_PER_MINUTE: '1' });
  const rps: [number[], number[], number[]] = [[], [], []];
  const cpu: [number[], number[], number[]] = [[], [], []];
  try {
    const { session_id: id } = await within.api('POST', '/api/v1/training/sessions', { recipe: 'spawn-stamp' });
    const path = `/api/v1/training/${id}/status`;
    await over.api('GET', '/health'); // public: not counted
    await over.api('GET', '/api/v1/training/queue'); // the one request of its minute: from now on 429
    const wrongKey = await fetch(`${guessing.url}/api/v1/training/queue`, { headers: { authorization: 'Bearer a-wrong-guess' } });
    if (wrongKey.status !== 401) throw new Error(`a wrong key was answered ${wrongKey.status}, not 401`);
    const targets: [string, number][] = [
      [within.url + path, 200],
      [over.url + path, 429],
      [guessing.url + path, 429],
    ];
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < targets.length; i++) {
        const which = (i + round) % targets.length;
        const result = await load(targets[which]![0], { authorization: `Bearer ${BENCH_KEY}` }, targets[which]![1]);
        rps[which]!.push(result.rps);
        cpu[which]!.push(result.cpuUs);
      }
    }
  } finally {
    await within.close();
    await over.close();
    await guessing.close();
  }
  const [realBest, keyBest, addressBest] = rps.map((rounds) => Math.max(...rounds)) as [number, number, number];
  const [realCpu, keyCpu, addressCpu] = cpu.map((rounds) => median(rounds)) as [number, number, number];
  const ratio = Math.min(keyBest, addressBest) / realBest;
  const rounds = (which: number) => rps[which]!.map((value) => fmt(value, 0)).join(', ');
  return {
    title: '3c. API rate limits: 429 answers against real answers of GET /api/v1/training/{id}/status',
    figures: [
      {
        name: `real answers (limiter on, within the limit), best of ${ROUNDS} rounds, ${CONCURRENCY} conns`,
        value: `${fmt(realBest, 0)} requests/s (rounds: ${rounds(0)})`,
      },
      { name: '429 answers: a key over its rate limit', value: `${fmt(keyBest, 0)} requests/s (rounds: ${rounds(1)}) → ${fmt(keyBest / realBest, 3)}` },
      {
        name: '429 answers: an address over its failed-authentication limit',
        value: `${fmt(addressBest, 0)} requests/s (rounds: ${rounds(2)}) → ${fmt(addressBest / realBest, 3)}`,
      },
      { name: 'server CPU per request (median): real / key 429 / address 429', value: `${fmt(realCpu, 1)} / ${fmt(keyCpu, 1)} / ${fmt(addressCpu, 1)} µs` },
    ],
    ratio: { description: 'the slower 429 answers/s ÷ real answers/s', value: ratio },
    target: { description: '429 answers/s ≥ real answers/s (both limits)', met: ratio >= 1 },
    notes: [
      NOTES[0]!,
      'The agents run in this process, one loaded at a time; once a client is over a limit, its 429s are answered in front of Koa (src/api/over-limit-answer.ts).',
    ],
  };
}
