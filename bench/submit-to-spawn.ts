import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BENCH_SCRIPTS, fmt, median, percentile, sleep, startBenchAgent, waitForEnd, type BenchAgent, type BenchResult } from './harness.js';

const ROUNDS = 20;
/** Between submissions: the agent starts the next spare supervisor 1 s after one is taken (warm_refill_ms). */
const SETTLE_MS = 1200;
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
  const warm = await startBenchAgent();
  const cold = await startBenchAgent({}, { processBackend: { warm_supervisor: false } });
  const directMs: number[] = [];
  const agentRuns: ViaAgent[] = [];
  const coldRuns: ViaAgent[] = [];
  try {
    // one of each to warm the disk cache and the agent's code paths, then interleaved so drift hits all alike
    await direct();
    await viaAgent(cold);
    await sleep(SETTLE_MS);
    await viaAgent(warm);
    for (let i = 0; i < ROUNDS; i++) {
      await sleep(SETTLE_MS);
      directMs.push(await direct());
      agentRuns.push(await viaAgent(warm));
      coldRuns.push(await viaAgent(cold));
    }
  } finally {
    await Promise.all([warm.close(), cold.close()]);
  }
  const total = agentRuns.map((run) => run.total);
  const coldTotal = coldRuns.map((run) => run.total);
  const stage = (pick: (run: ViaAgent) => number) => fmt(median(agentRuns.map(pick)));
  const added = median(total) - median(directMs);
  const addedP99 = percentile(total, 99) - percentile(directMs, 99);
  return {
    title: '1. Submit → training process running',
    figures: [
      {
        name: `through the agent, p50 / p99 (${ROUNDS} submissions, supervisor started ahead)`,
        value: `${fmt(median(total))} / ${fmt(percentile(total, 99))} ms`,
      },
      { name: 'spawning the same command directly, p50 / p99', value: `${fmt(median(directMs))} / ${fmt(percentile(directMs, 99))} ms` },
      { name: 'added by the agent: p50 / p99 difference', value: `${fmt(added)} / ${fmt(addedP99)} ms` },
      { name: '  POST answered (p50)', value: `+${stage((run) => run.answered)} ms` },
      { name: '  run marked running (p50)', value: `+${stage((run) => run.markedRunning)} ms` },
      { name: '  supervisor handed the run, spawning the command (p50)', value: `+${stage((run) => run.supervisorReady)} ms` },
      { name: '  command running its first line (p50)', value: `+${fmt(median(total))} ms` },
      {
        name: 'without the warm supervisor (warm_supervisor: false), p50 / p99',
        value: `${fmt(median(coldTotal))} / ${fmt(percentile(coldTotal, 99))} ms (added p50 ${fmt(median(coldTotal) - median(directMs))} ms)`,
      },
    ],
    ratio: { description: 'agent p50 / direct p50', value: median(total) / median(directMs), unit: '×' },
    target: { description: 'added p50 ≤ 30 ms', met: added <= 30 },
    notes: [
      'The script stamps performance.timeOrigin + performance.now() on its first line; every path includes one Node start-up for it.',
      'The process backend keeps one supervisor started ahead (warm_supervisor, default on) and hands it the next run; the cold path pays a second Node start-up before the command is spawned.',
      `Submissions are ${SETTLE_MS} ms apart so that the next spare is up (it starts 1 s after one is taken); back-to-back submissions within that second launch cold.`,
    ],
  };
}
