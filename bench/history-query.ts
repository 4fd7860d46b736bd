import { writeFile, mkdir } from 'node:fs/promises';
import { RunFiles } from '../src/store/run-files.js';
import { RunPaths } from '../src/store/run-paths.js';
import { Agent, fetch as fetchOnNewConnection } from 'undici';
import { BENCH_KEY, fmt, median, startBenchAgent, type BenchResult } from './harness.js';

// A new connection per query: the raw read holds this process's event loop (the agent's too) for
// seconds, past the agent's keep-alive timeout, and a reused connection raced the agent closing it
// (ECONNRESET on a loaded machine).
const noKeepAlive = new Agent({ pipelining: 0 });

const POINTS = 1_000_000;
const ROUNDS = 5;

/** A run with a million metric points: the downsampled history query (through the API) against reading the raw file. */
export async function historyQuery(): Promise<BenchResult> {
  const lines: string[] = [];
  const ts = new Date().toISOString();
  for (let step = 0; step < POINTS; step++)
    lines.push(JSON.stringify({ ts, step, loss: Math.exp(-step / 200_000) + ((step * 7919) % 101) / 10_000, accuracy: step / POINTS }));
  const text = lines.join('\n') + '\n';
  const bench = await startBenchAgent();
  try {
    const { session_id } = await bench.api('POST', '/api/v1/training/sessions', { recipe: 'spawn-stamp' });
    const paths = new RunPaths(bench.agent.config.runsDir);
    await mkdir(paths.dir(session_id), { recursive: true });
    await writeFile(paths.metrics(session_id), text);

    const query = `/api/v1/training/${session_id}/history?metric_name=loss&max_points=1000`;
    const readRaw = async () => {
      const started = performance.now();
      const records = await new RunFiles(paths).readMetrics(session_id);
      return { ms: performance.now() - started, count: records.length };
    };
    const ask = async () => {
      const started = performance.now();
      const response = await fetchOnNewConnection(bench.url + query, { headers: { authorization: `Bearer ${BENCH_KEY}` }, dispatcher: noKeepAlive });
      if (!response.ok) throw new Error(`history query answered ${response.status}: ${await response.text()}`);
      const points = ((await response.json()) as unknown[]).length;
      return { ms: performance.now() - started, points };
    };
    // cold: the first of each (the query's first builds the index; during a real run the indexer does it as metrics arrive)
    const coldRaw = await readRaw();
    const coldQuery = await ask();
    // warm: the same number of each, alternating, so drift on the machine hits both alike
    const rawTimes: number[] = [];
    const queryTimes: number[] = [];
    let points = 0;
    for (let round = 0; round < ROUNDS; round++) {
      rawTimes.push((await readRaw()).ms);
      const answer = await ask();
      queryTimes.push(answer.ms);
      points = answer.points;
    }
    const rawMs = median(rawTimes);
    const queryMs = median(queryTimes);
    const ratio = queryMs / rawMs;
    return {
      title: `7. History query (extra): ${POINTS.toLocaleString('en')} points downsampled to 1,000`,
      figures: [
        { name: `reading the raw file (read + JSON.parse), warm, median of ${ROUNDS}`, value: `${fmt(rawMs, 0)} ms (${coldRaw.count} records)` },
        { name: `downsampled query through the API, warm, median of ${ROUNDS}`, value: `${fmt(queryMs, 0)} ms (${points} points)` },
        { name: 'cold, the first of each: raw read / query (builds the index)', value: `${fmt(coldRaw.ms, 0)} / ${fmt(coldQuery.ms, 0)} ms` },
      ],
      ratio: { description: `query ÷ raw read, both warm, median of ${ROUNDS} each`, value: ratio },
      target: { description: 'downsampled query < 10% of the raw read', met: ratio < 0.1 },
    };
  } finally {
    await bench.close();
  }
}
