import { cpus } from 'node:os';
import { findBuiltinDataset } from '../src/datasets/builtin-datasets.js';
import { buildModel, forwardFlopsPerSample } from '../src/tfjs/architectures.js';
import { loadEngine, type Tf } from '../src/tfjs/engine.js';
import { fmt, percentile, sleep, startBenchAgent, type BenchResult, type Figure } from './harness.js';

interface Workload {
  name: string;
  dataset: string;
  architecture: string;
  hidden: number;
  batchSize: number;
  /** Samples per timed epoch: enough for a few seconds on the slowest engine that runs it. */
  samples: Record<string, number>;
}

const WORKLOADS: Workload[] = [
  { name: 'mlp (blobs: 8 → 64 → 64 → 4)', dataset: 'blobs', architecture: 'mlp', hidden: 64, batchSize: 32, samples: { wasm: 4000, cpu: 2000 } },
  { name: 'mlp wide (digits: 256 → 512 → 512 → 10)', dataset: 'digits', architecture: 'mlp', hidden: 512, batchSize: 128, samples: { wasm: 1024, cpu: 256 } },
  { name: 'cnn (digits 16×16, LeNet-like)', dataset: 'digits', architecture: 'cnn', hidden: 64, batchSize: 32, samples: { wasm: 1024, cpu: 96 } },
];
const ENGINES = ['wasm', 'cpu'] as const;
const LATENCY_SECONDS = 6;

/**
 * The tfjs recipe's engines: training samples/s and achieved GFLOP/s (forward FLOPs per sample × 3 for
 * forward + backward) for mlp and cnn on each engine available here; and the agent's API p99 latency
 * while a tfjs run trains (in its own child process) against no run at all.
 */
export async function tfjsTraining(): Promise<BenchResult> {
  const figures: Figure[] = [{ name: 'machine cores', value: String(cpus().length) }];
  const notes: string[] = [];
  for (const engineName of ENGINES) {
    const engine = await loadEngine({ requested: engineName, needsConvGradients: true });
    if (engine.name !== engineName) {
      notes.push(`${engineName} not available: ${engine.notes.join('; ')}`);
      continue;
    }
    for (const workload of WORKLOADS) {
      const samples = workload.samples[engineName]!;
      const { samplesPerSecond, gflops } = await measure(engine.tf, workload, samples);
      figures.push({ name: `${engineName} · ${workload.name}`, value: `${fmt(samplesPerSecond, 0)} samples/s, ${fmt(gflops, 2)} GFLOP/s` });
    }
  }

  const bench = await startBenchAgent();
  try {
    const created = await bench.api('POST', '/api/v1/training/sessions', { recipe: 'tfjs', params: {}, start: false });
    const idle = await statusLatencies(bench, created.session_id);
    const run = await bench.api('POST', '/api/v1/training/sessions', {
      recipe: 'tfjs',
      params: { model_architecture: 'mlp', dataset_name: 'digits', samples: 20000, hidden_units: 512, epochs: 100, batch_size: 64 },
      start: true,
    });
    const id = run.session_id as string;
    // measure once the child trains (the first batch metrics), not while it loads TF.js
    for (let i = 0; i < 600 && !(await bench.api('GET', `/api/v1/training/${id}/history`)).length; i++) await sleep(100);
    const busy = await statusLatencies(bench, id);
    await bench.api('POST', `/api/v1/training/${id}/stop`);
    const ratio = busy.p99 / idle.p99;
    figures.push(
      { name: 'GET status p99 / p50, no run', value: `${fmt(idle.p99, 2)} / ${fmt(idle.p50, 2)} ms (${idle.count} requests)` },
      { name: 'GET status p99 / p50, a tfjs run training', value: `${fmt(busy.p99, 2)} / ${fmt(busy.p50, 2)} ms (${busy.count} requests)` },
    );
    notes.push('samples/s are one timed epoch after a warm-up batch, in this process; the latency run trains mlp on digits (hidden 512) in its child process');
    return {
      title: 'TF.js training: engines, throughput, and the API while a run trains',
      figures,
      ratio: { description: 'API p99 while training ÷ idle', value: ratio },
      target: { description: 'p99 while training ≤ 1.5 × idle', met: ratio <= 1.5 },
      notes,
    };
  } finally {
    await bench.close();
  }
}

async function measure(tf: Tf, workload: Workload, samples: number): Promise<{ samplesPerSecond: number; gflops: number }> {
  const dataset = findBuiltinDataset(workload.dataset)!;
  const { x, y } = dataset.generate(samples, 1);
  const shape = dataset.imageShape ?? [dataset.features];
  const xs = tf.tensor(x.flat(), [samples, ...shape]);
  const ys = tf.oneHot(tf.tensor1d(y, 'int32'), dataset.classes).toFloat();
  const model = buildModel(tf, workload.architecture, {
    features: dataset.features,
    imageShape: dataset.imageShape ?? null,
    outputUnits: dataset.classes,
    outputActivation: 'softmax',
    hidden: workload.hidden,
  });
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy' });
  const warmX = xs.slice(0, workload.batchSize);
  const warmY = ys.slice(0, workload.batchSize);
  await model.fit(warmX, warmY, { epochs: 1, batchSize: workload.batchSize, verbose: 0 });
  const started = performance.now();
  await model.fit(xs, ys, { epochs: 1, batchSize: workload.batchSize, verbose: 0, yieldEvery: 'never' });
  const seconds = (performance.now() - started) / 1000;
  const flopsPerSample = forwardFlopsPerSample(model) * 3;
  tf.dispose([xs, ys, warmX, warmY]);
  model.dispose();
  const samplesPerSecond = samples / seconds;
  return { samplesPerSecond, gflops: (samplesPerSecond * flopsPerSample) / 1e9 };
}

async function statusLatencies(bench: Awaited<ReturnType<typeof startBenchAgent>>, runId: string): Promise<{ p50: number; p99: number; count: number }> {
  const path = `/api/v1/training/${runId}/status`;
  const timings: number[] = [];
  const deadline = performance.now() + LATENCY_SECONDS * 1000;
  while (performance.now() < deadline) {
    const started = performance.now();
    await bench.api('GET', path);
    timings.push(performance.now() - started);
  }
  return { p50: percentile(timings, 50), p99: percentile(timings, 99), count: timings.length };
}
