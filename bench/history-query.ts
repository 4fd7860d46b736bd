import { writeFile, mkdir } from 'node:fs/promises';
import { RunFiles } from '../src/store/run-files.js';
import { RunPaths } from '../src/store/run-paths.js';
import { fmt, startBenchAgent, type BenchResult } from './harness.js';

const POINTS = 1_000_000;

/** A run with a million metric points: the downsampled history query (through the API) against reading the raw file. */
export async function historyQuery(): Promise<BenchResult> {
  const lines: string[] = [];
  const ts = new Date().toISOString();
  for (let step = 0; step < POINTS; step++) lines.push(JSON.stringify({ ts, step, loss: Math.exp(-step / 200_000) + ((step * 7919) % 101) / 10_000, accuracy: step / POINTS }));
  const text = lines.join('\n') + '\n';
  const bench = await startBenchAgent();
  try {
    const { session_id } = await bench.api('POST', '/api/v1/training/sessions', { recipe: 'spawn-stamp' });
    const paths = new RunPaths(bench.agent.config.runsDir);
    await mkdir(paths.dir(session_id), { recursive: true });
    await writeFile(paths.metrics(session_id), text);

    const rawStarted = performance.now();
    const raw = await new RunFiles(paths).readMetrics(session_id);
    const rawMs = performance.now() - rawStarted;

    const query = `/api/v1/training/${session_id}/history?metric_name=loss&max_points=1000`;
    const firstStarted = performance.now();
    await bench.api('GET', query); // builds the index (during a real run the indexer does this as metrics arrive)
    const firstMs = performance.now() - firstStarted;
    const timings: number[] = [];
    let points = 0;
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      points = (await bench.api('GET', query)).length;
      timings.push(performance.now() - started);
    }
    timings.sort((a, b) => a - b);
    const queryMs = timings[2]!;
    const ratio = queryMs / rawMs;
    return {
      title: `7. History query (extra): ${POINTS.toLocaleString('en')} points downsampled to 1,000`,
      figures: [
        { name: 'reading the raw file (read + JSON.parse)', value: `${fmt(rawMs, 0)} ms (${raw.length} records)` },
        { name: 'downsampled query through the API (median of 5)', value: `${fmt(queryMs, 0)} ms (${points} points)` },
        { name: 'first query, building the index from scratch', value: `${fmt(firstMs, 0)} ms` },
      ],
      ratio: { description: 'query ÷ raw read', value: ratio },
      target: { description: 'downsampled query < 10% of the raw read', met: ratio < 0.1 },
    };
  } finally {
    await bench.close();
  }
}
