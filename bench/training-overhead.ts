import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, median, removeDir, sleep, startBenchAgent, TRAINER_HOME, type BenchAgent, type BenchResult } from './harness.js';

const ROUNDS = 3;
/** `TRAINER_BENCH_OVERHEAD_EPOCHS=150 npm run bench training-overhead` for a longer run (about 80 ms an epoch here). */
const EPOCHS = Number(process.env.TRAINER_BENCH_OVERHEAD_EPOCHS ?? 30);
const CLIENT_POLL_MS = 25;
/** The body of POST /api/v1/training/start; hidden_units and samples keep their defaults (64, 0). */
const params = (epochs: number) => ({
  model_architecture: 'mlp',
  dataset_name: 'blobs',
  learning_rate: 0.01,
  batch_size: 32,
  epochs,
  optimizer: 'adam',
  loss_function: 'cross_entropy',
});

/** The command demo-mlp renders for those parameters, run straight from this process with its stdout piped and drained. */
async function direct(epochs: number, output: string): Promise<number> {
  const args = [
    join(TRAINER_HOME, 'dist', 'src', 'demo', 'train-mlp.js'),
    '--architecture',
    'mlp',
    '--dataset',
    'blobs',
    '--lr',
    '0.01',
    '--batch-size',
    '32',
    '--epochs',
    String(epochs),
    '--optimizer',
    'adam',
    '--loss',
    'cross_entropy',
    '--hidden',
    '64',
    '--samples',
    '0',
    '--output',
    output,
  ];
  const started = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.resume();
  child.stderr.resume();
  const code = await new Promise((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`train-mlp.js exited with ${code}`);
  return performance.now() - started;
}

interface AgentRound {
  /** The run's own record: started_at (marked running) → ended_at (the supervisor saw the command exit). */
  run: number;
  /** The "Starting:" line (supervisor spawning the command) → ended_at: the command's own wall time under the agent. */
  command: number;
  /** POST /api/v1/training/start sent → a status poll first reads `completed`. */
  client: number;
  /** CPU time this process (the agent, and the client's polls) used meanwhile. */
  cpu: number;
}

async function viaAgent(bench: BenchAgent, epochs: number): Promise<AgentRound> {
  const cpuBefore = process.cpuUsage();
  const submitted = performance.now();
  const { session_id: id } = await bench.api('POST', '/api/v1/training/start', params(epochs));
  let status: { state: string; start_time: string; end_time: string; error_message: string | null };
  for (;;) {
    status = await bench.api('GET', `/api/v1/training/${id}/status`);
    if (status.state === 'completed') break;
    if (status.state === 'failed' || status.state === 'stopped') throw new Error(`demo-mlp run ${id} ${status.state}: ${status.error_message}`);
    await sleep(CLIENT_POLL_MS);
  }
  const client = performance.now() - submitted;
  const cpuUsed = process.cpuUsage(cpuBefore);
  const logs = await bench.api('GET', `/api/v1/training/${id}/logs?limit=1000`);
  const launching = logs.find((entry: { stream: string; message: string }) => entry.stream === 'agent' && entry.message.startsWith('Starting:'));
  const ended = Date.parse(status.end_time);
  return { run: ended - Date.parse(status.start_time), command: ended - Date.parse(launching.timestamp), client, cpu: (cpuUsed.user + cpuUsed.system) / 1000 };
}

/** demo-mlp's wall time through the agent (start → completed) against the same command run directly. */
export async function trainingOverhead(): Promise<BenchResult> {
  if (!Number.isInteger(EPOCHS) || EPOCHS < 1)
    throw new Error(`TRAINER_BENCH_OVERHEAD_EPOCHS must be a positive integer, got '${process.env.TRAINER_BENCH_OVERHEAD_EPOCHS}'`);
  const output = await mkdtemp(join(tmpdir(), 'trainer-bench-direct-'));
  const bench = await startBenchAgent();
  // the same agent without its supervisor started ahead (warm_supervisor: false), as every run was launched before
  const cold = await startBenchAgent({}, { processBackend: { warm_supervisor: false } });
  const directMs: number[] = [];
  const rounds: AgentRound[] = [];
  const coldRounds: AgentRound[] = [];
  try {
    await direct(1, output); // warm-up: disk cache, every path
    await viaAgent(bench, 1);
    await viaAgent(cold, 1);
    await sleep(1500); // the next spare is up
    for (let round = 0; round < ROUNDS; round++) {
      directMs.push(await direct(EPOCHS, output));
      rounds.push(await viaAgent(bench, EPOCHS));
      coldRounds.push(await viaAgent(cold, EPOCHS));
    }
  } finally {
    await Promise.all([bench.close(), cold.close()]);
    await removeDir(output);
  }
  const base = median(directMs);
  const run = median(rounds.map((r) => r.run));
  const command = median(rounds.map((r) => r.command));
  const client = median(rounds.map((r) => r.client));
  const pct = (ms: number) => `${fmt(ms)} ms (${ms >= base ? '+' : ''}${fmt((ms / base - 1) * 100, 2)} %)`;
  const coldRun = median(coldRounds.map((r) => r.run));
  const overhead = run / base - 1;
  // launch excluded: the command's own wall time under the agent against the same command run directly
  const steadyState = command / base - 1;
  const signed = (fraction: number) => `${fraction >= 0 ? '+' : ''}${fmt(fraction * 100, 2)} %`;
  const spread = (Math.max(...directMs) - Math.min(...directMs)) / base;
  const list = (values: number[]) => values.map((value) => fmt(value, 0)).join(', ');
  return {
    title: `5. Training wall time: demo-mlp, blobs, ${EPOCHS} epochs`,
    figures: [
      { name: `the same command run directly (median of ${ROUNDS})`, value: `${fmt(base)} ms (rounds: ${list(directMs)})` },
      { name: "through the agent: run's started_at → ended_at", value: `${pct(run)} (rounds: ${list(rounds.map((r) => r.run))})` },
      { name: '  of which launch: started_at → supervisor spawns', value: `${fmt(median(rounds.map((r) => r.run - r.command)))} ms` },
      { name: '  the command itself: "Starting:" → ended_at', value: pct(command) },
      { name: `client wall clock: POST → completed (poll ${CLIENT_POLL_MS} ms)`, value: `${pct(client)} (rounds: ${list(rounds.map((r) => r.client))})` },
      {
        name: 'this process’s CPU during a run (agents + client polls)',
        value: `${fmt(median(rounds.map((r) => r.cpu)), 0)} ms (${fmt((median(rounds.map((r) => r.cpu)) / client) * 100, 1)} % of one core)`,
      },
      {
        name: 'without the warm supervisor (a Node start-up per launch): started → ended',
        value: `${pct(coldRun)} (rounds: ${list(coldRounds.map((r) => r.run))}; launch ${fmt(median(coldRounds.map((r) => r.run - r.command)))} ms)`,
      },
      { name: '  its client wall clock', value: pct(median(coldRounds.map((r) => r.client))) },
      { name: 'spread of the direct rounds ((max − min) ÷ median)', value: `${fmt(spread * 100, 1)} %` },
    ],
    ratio: {
      description: "overhead: run's started→ended ÷ direct − 1",
      value: overhead,
      unit: '%',
      beside: `${EPOCHS} epochs; steady state, launch excluded: ${signed(steadyState)}`,
    },
    // a PASS must be shown by the measurement: with direct rounds spreading more than the target, the noise decides
    target: { description: 'overhead ≤ 1 %, with the direct rounds spreading ≤ 1 %', met: overhead <= 0.01 && spread <= 0.01 },
    notes: [
      'Rounds alternate direct / agent so drift on the machine hits both alike; the run records have millisecond resolution.',
      'The launch part is a fixed cost per run (the supervisor is a second Node process); it does not grow with the run.',
      'A 1 % target is finer than this shared 2-core machine’s run-to-run spread (above); read the launch figure for the systematic part.',
    ],
  };
}
