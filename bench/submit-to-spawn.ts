import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BENCH_SCRIPTS, fmt, median, percentile, sleep, startBenchAgent, waitForEnd, type BenchAgent, type BenchResult } from './harness.js';

const ROUNDS = 20;
/** Submissions to the warm-supervisor prototype; each waits for the next spare to be up. */
const WARM_ROUNDS = 10;
const WARM_REFILL_MS = 100;
const WARM_SETTLE_MS = 500;
const SCRIPT = join(BENCH_SCRIPTS, 'spawn-stamp.mjs');

/** `node spawn-stamp.mjs` started straight from this process: ms from spawn() to its first line of JavaScript. */
async function direct(): Promise<number> {
  const started = Date.now();
  const child = spawn(process.execPath, [SCRIPT], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  await new Promise((resolve) => child.on('close', resolve));
  return JSON.parse(out).spawned_at - started;
}

interface ViaAgent {
  total: number;
  /** POST sent → its answer received. */
  answered: number;
  /** POST sent → the run marked running (the executor starts launching the supervisor). */
  markedRunning: number;
  /** POST sent → the supervisor, up and with its spec read, spawns the command ("Starting:" log line). */
  supervisorReady: number;
}

/** The same script as the `spawn-stamp` recipe, submitted with POST /api/v1/training/sessions {start: true}. */
async function viaAgent(bench: BenchAgent, recipe = 'spawn-stamp'): Promise<ViaAgent> {
  const started = Date.now();
  const { session_id: id } = await bench.api('POST', '/api/v1/training/sessions', { recipe, params: {}, start: true });
  const answered = Date.now();
  const run = await waitForEnd(bench, id); // in-process poll: no HTTP traffic competes with the launch
  if (run.state !== 'completed') throw new Error(`spawn-stamp run ${id} ended ${run.state}: ${run.error_message}`);
  const history = await bench.api('GET', `/api/v1/training/${id}/history`);
  const logs = await bench.api('GET', `/api/v1/training/${id}/logs?limit=100`);
  const spawnedAt = history.find((point: { spawned_at?: number }) => typeof point.spawned_at === 'number')?.spawned_at;
  const launching = logs.find((entry: { stream: string; message: string }) => entry.stream === 'agent' && entry.message.startsWith('Starting:'));
  if (spawnedAt === undefined || !launching) throw new Error(`spawn-stamp run ${id}: no spawned_at metric or no Starting: line`);
  return {
    total: spawnedAt - started,
    answered: answered - started,
    markedRunning: Date.parse(run.started_at!) - started,
    supervisorReady: Date.parse(launching.timestamp) - started,
  };
}

/** Time from POST …/sessions {start:true} to the training process running, against spawning it directly. */
export async function submitToSpawn(): Promise<BenchResult> {
  const bench = await startBenchAgent();
  const directMs: number[] = [];
  const agentRuns: ViaAgent[] = [];
  try {
    // one of each to warm the disk cache and the agent's code paths, then interleaved so drift hits both alike
    await direct();
    await viaAgent(bench);
    for (let i = 0; i < ROUNDS; i++) {
      directMs.push(await direct());
      agentRuns.push(await viaAgent(bench));
    }
  } finally {
    await bench.close();
  }
  // the fix proposed in docs/PERFORMANCE.md, prototyped in bench/prototypes/warm-process-backend.ts
  const warm = await startBenchAgent({}, { warmPrototype: { refillDelayMs: WARM_REFILL_MS } });
  const warmRuns: ViaAgent[] = [];
  try {
    await sleep(WARM_SETTLE_MS);
    await viaAgent(warm, 'spawn-stamp-warm');
    for (let i = 0; i < WARM_ROUNDS; i++) {
      await sleep(WARM_SETTLE_MS);
      warmRuns.push(await viaAgent(warm, 'spawn-stamp-warm'));
    }
  } finally {
    await warm.close();
  }
  const warmTotal = warmRuns.map((run) => run.total);
  const total = agentRuns.map((run) => run.total);
  const stage = (pick: (run: ViaAgent) => number) => fmt(median(agentRuns.map(pick)));
  const ratio = median(total) / median(directMs);
  return {
    title: '1. Submit → training process running',
    figures: [
      { name: `through the agent, p50 / p99 (${ROUNDS} submissions)`, value: `${fmt(median(total))} / ${fmt(percentile(total, 99))} ms` },
      { name: 'spawning the same command directly, p50 / p99', value: `${fmt(median(directMs))} / ${fmt(percentile(directMs, 99))} ms` },
      { name: 'added by the agent (p50 difference)', value: `${fmt(median(total) - median(directMs))} ms` },
      { name: '  POST answered (p50)', value: `+${stage((run) => run.answered)} ms` },
      { name: '  run marked running (p50)', value: `+${stage((run) => run.markedRunning)} ms` },
      { name: '  supervisor up, spawning the command (p50)', value: `+${stage((run) => run.supervisorReady)} ms` },
      { name: '  command running its first line (p50)', value: `+${fmt(median(total))} ms` },
      { name: `prototype, supervisor started ahead: p50 / p99 (${WARM_ROUNDS})`, value: `${fmt(median(warmTotal))} / ${fmt(percentile(warmTotal, 99))} ms (ratio ${fmt(median(warmTotal) / median(directMs), 3)}×; supervisor spawning at +${fmt(median(warmRuns.map((run) => run.supervisorReady)))} ms)` },
    ],
    ratio: { description: 'agent p50 / direct p50', value: ratio, unit: '×' },
    notes: [
      'The script stamps performance.timeOrigin + performance.now() on its first line; both paths include one Node start-up for it.',
      'The agent path adds a second Node start-up, the detached supervisor, before the command is spawned.',
      'Prototype: bench/prototypes/warm-process-backend.ts, loaded as an external backend plugin; not part of the agent.',
    ],
  };
}
