import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fmt, median, percentile, startBenchAgent, TRAINER_HOME, type BenchResult } from './harness.js';

const ROUNDS = 20;

/** Time from POST /api/v1/training/sessions (start) to the training process running, against spawning it directly. */
export async function submitToSpawn(): Promise<BenchResult> {
  const script = join(TRAINER_HOME, 'bench', 'scripts', 'spawn-stamp.mjs');
  const direct: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = Date.now();
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    await new Promise((resolve) => child.on('close', resolve));
    direct.push(JSON.parse(out).spawned_at - started);
  }
  const bench = await startBenchAgent();
  const viaAgent: number[] = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const started = Date.now();
      const { session_id } = await bench.api('POST', '/api/v1/training/sessions', { recipe: 'spawn-stamp', start: true });
      let spawnedAt: number | undefined;
      while (spawnedAt === undefined) {
        const history = await bench.api('GET', `/api/v1/training/${session_id}/history`);
        spawnedAt = history[0]?.spawned_at;
        if (spawnedAt === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      viaAgent.push(spawnedAt - started);
      while ((await bench.api('GET', `/api/v1/training/${session_id}/status`)).state === 'running') await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    await bench.close();
  }
  const ratio = median(viaAgent) / median(direct);
  return {
    title: 'Submit → training process running',
    figures: [
      { name: `through the agent, p50 / p99 (${ROUNDS} runs)`, value: `${fmt(median(viaAgent))} / ${fmt(percentile(viaAgent, 99))} ms` },
      { name: 'spawning the same command directly, p50 / p99', value: `${fmt(median(direct))} / ${fmt(percentile(direct, 99))} ms` },
      { name: 'ratio (p50)', value: `${fmt(ratio, 2)}× (the agent adds a supervisor process and a state write)` },
    ],
  };
}
