import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_KEY, BENCH_RECIPES, fmt, median, percentile, TRAINER_HOME, type BenchResult } from './harness.js';

const CLIENTS = 100;
const EPOCHS = 40;

/** A metric printed by a run → received by 100 SSE clients; the agent runs as its own process. */
export async function sseFanOut(): Promise<BenchResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'trainer-sse-bench-'));
  const agent = spawn(
    process.execPath,
    [join(TRAINER_HOME, 'bin', 'run.js'), 'agent', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--log-level', 'error'],
    {
      env: { ...process.env, API_KEYS: BENCH_KEY, TRAINER_RECIPE_DIRS: BENCH_RECIPES, TRAINER_RATE_LIMIT_PER_MINUTE: '0', TRAINER_NVIDIA_SMI: '/nonexistent' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      agent.stdout.on('data', (chunk) => {
        out += chunk;
        const match = /listening on (\S+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      agent.once('exit', () => reject(new Error(`agent exited: ${out}`)));
    });
    const headers = { authorization: `Bearer ${BENCH_KEY}`, 'content-type': 'application/json' };
    const created = await (
      await fetch(`${url}/api/v1/training/sessions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ recipe: 'stamp-ticker', params: { epochs: EPOCHS, interval_ms: 50 } }),
      })
    ).json();
    const latencies: number[] = [];
    const clients = Array.from({ length: CLIENTS }, async () => {
      const response = await fetch(`${url}/api/v1/sse/training/${created.session_id}`, { headers });
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        const now = Date.now();
        buffer += decoder.decode(chunk, { stream: true });
        let boundary;
        while ((boundary = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          if (!block.includes('event: metrics')) continue;
          const data = JSON.parse(block.slice(block.indexOf('data: ') + 6));
          if (typeof data.printed_at === 'number') latencies.push(now - data.printed_at);
        }
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 500)); // all clients connected
    await fetch(`${url}/api/v1/training/sessions/${created.session_id}/start`, { method: 'POST', headers });
    await Promise.all(clients);
    const p99 = percentile(latencies, 99);
    return {
      title: `6. SSE fan-out (extra): metric printed by a run → received by ${CLIENTS} clients`,
      figures: [
        { name: 'events received', value: `${latencies.length} of ${CLIENTS * EPOCHS}` },
        { name: 'latency p50 / p99', value: `${fmt(median(latencies))} / ${fmt(p99)} ms` },
      ],
      ratio: { description: 'p99 ÷ 50 ms', value: p99 / 50 },
      target: { description: 'p99 < 50 ms', met: p99 < 50 && latencies.length === CLIENTS * EPOCHS },
      notes: ['The agent runs as its own process (bin/run.js agent); clients and the training script share the other core.'],
    };
  } finally {
    agent.kill('SIGTERM');
    await new Promise((resolve) => agent.once('exit', resolve));
    await rm(dataDir, { recursive: true, force: true, maxRetries: 5 }).catch(() => {});
  }
}
