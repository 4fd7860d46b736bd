import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, median, startBenchAgent, TRAINER_HOME, type BenchResult } from './harness.js';

const ROUNDS = 2;
const EPOCHS = 150;
const POLL_MS = 250;
const PARAMS = { model_architecture: 'mlp', dataset_name: 'blobs', learning_rate: 0.01, batch_size: 32, epochs: EPOCHS, optimizer: 'adam', loss_function: 'cross_entropy' };

/** The demo recipe's wall time through the agent (start → completed) against the same command run directly. */
export async function trainingOverhead(): Promise<BenchResult> {
  const args = [join(TRAINER_HOME, 'dist', 'src', 'demo', 'train-mlp.js'), '--architecture', 'mlp', '--dataset', 'blobs', '--lr', '0.01', '--batch-size', '32', '--epochs', String(EPOCHS), '--optimizer', 'adam', '--loss', 'cross_entropy', '--hidden', '64', '--samples', '0', '--output', mkdtempSync(join(tmpdir(), 'trainer-direct-'))];
  const direct: number[] = [];
  const viaAgent: number[] = [];
  const runTimes: number[] = [];
  const bench = await startBenchAgent();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const started = performance.now();
      await promisify(execFile)(process.execPath, args);
      direct.push(performance.now() - started);

      const submitted = performance.now();
      const { session_id } = await bench.api('POST', '/api/v1/training/start', PARAMS);
      for (;;) {
        const status = await bench.api('GET', `/api/v1/training/${session_id}/status`);
        if (status.state === 'completed') {
          // the command's own wall time: from the supervisor starting it to its exit record
          const logs = await bench.api('GET', `/api/v1/training/${session_id}/logs?limit=10000`);
          const launched = logs.find((entry: { stream: string; message: string }) => entry.stream === 'agent' && entry.message.startsWith('Starting:'));
          runTimes.push(Date.parse(status.end_time) - Date.parse(launched.timestamp));
          break;
        }
        if (status.state === 'failed') throw new Error(status.error_message);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      viaAgent.push(performance.now() - submitted);
    }
  } finally {
    await bench.close();
  }
  const overhead = median(runTimes) / median(direct) - 1;
  return {
    title: `Training wall time: demo-mlp, blobs, ${EPOCHS} epochs`,
    figures: [
      { name: `command wall time under the agent (median of ${ROUNDS})`, value: `${fmt(median(runTimes))} ms (process start → exit, from the run's records)` },
      { name: 'submit → completed seen by a client', value: `${fmt(median(viaAgent))} ms (status polled every ${POLL_MS} ms; includes the spawn latency above)` },
      { name: 'the same command run directly', value: `${fmt(median(direct))} ms` },
      { name: 'overhead of the command wall time', value: `${fmt(overhead * 100, 2)} %` },
      { name: 'overhead seen by the client', value: `${fmt((median(viaAgent) / median(direct) - 1) * 100, 2)} %` },
    ],
    target: { description: 'command wall time overhead ≤ 1% (ratio = overhead fraction)', ratio: overhead, met: overhead <= 0.01 },
  };
}
