/**
 * `npm run bench`: builds, then runs every benchmark in turn and prints its figures, its headline
 * ratio and its target (PASS/MISS). `node dist/bench/run-all.js NAME…` runs only the named ones
 * (which may include the extras, such as api-layers, that the default run leaves out).
 * Everything listens on and talks to 127.0.0.1 only; temp dirs are removed at the end.
 * The exit status is 1 only when a benchmark could not run; a missed target is reported, not fatal.
 */
import { loadavg } from 'node:os';
import { apiLayers, apiRateLimit, apiThroughput } from './api-throughput.js';
import { chatOps } from './chat-ops.js';
import { cliStartup } from './cli-startup.js';
import { dashboard } from './dashboard.js';
import { execRoundTrip } from './exec-round-trip.js';
import { alerting } from './alerting.js';
import { slurm } from './slurm.js';
import { formatRatio, machine, printResult, type BenchResult } from './harness.js';
import { historyQuery } from './history-query.js';
import { leaderboard } from './leaderboard.js';
import { metricIngestion } from './metric-ingestion.js';
import { outputFormats } from './output-formats.js';
import { sseFanOut } from './sse-fan-out.js';
import { submitToSpawn } from './submit-to-spawn.js';
import { tfjsTraining } from './tfjs-training.js';
import { trainingOverhead } from './training-overhead.js';

const BENCHMARKS: Record<string, () => Promise<BenchResult>> = {
  'submit-to-spawn': submitToSpawn,
  'metric-ingestion': metricIngestion,
  'api-throughput': apiThroughput,
  'api-rate-limit': apiRateLimit,
  'cli-startup': cliStartup,
  'training-overhead': trainingOverhead,
  'sse-fan-out': sseFanOut,
  'history-query': historyQuery,
  dashboard,
  alerting,
  slurm,
  tfjs: tfjsTraining,
  chat: chatOps,
  leaderboard,
  'output-formats': outputFormats,
  'exec-round-trip': execRoundTrip,
};
/** Run only when named: `node dist/bench/run-all.js api-layers`. */
const EXTRAS: Record<string, () => Promise<BenchResult>> = {
  'api-layers': apiLayers,
};

const only = process.argv.slice(2);
const unknown = only.filter((name) => !(name in BENCHMARKS) && !(name in EXTRAS));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${[...Object.keys(BENCHMARKS), ...Object.keys(EXTRAS)].join(', ')}`);
  process.exit(2);
}

const load = () => loadavg()[0]!.toFixed(2);
console.log(`# trainer benchmarks — ${new Date().toISOString().slice(0, 10)} — ${machine()}`);
console.log(`# load average (1 min) at the start: ${load()} — anything else running on the machine shows in the figures`);
const summary: { name: string; seconds: number; ratio: string; target: string; verdict: string; load: string }[] = [];
const suiteStarted = performance.now();
const selected = only.length === 0 ? Object.entries(BENCHMARKS) : Object.entries({ ...BENCHMARKS, ...EXTRAS }).filter(([name]) => only.includes(name));
for (const [name, run] of selected) {
  const started = performance.now();
  try {
    const result = await run();
    printResult(result);
    summary.push({
      name,
      seconds: (performance.now() - started) / 1000,
      ratio: formatRatio(result.ratio),
      target: result.target?.description ?? '—',
      verdict: result.target ? (result.target.met ? 'PASS' : 'MISS') : 'info',
      load: load(),
    });
  } catch (error) {
    // fetch's "fetch failed" says why only in its cause
    const cause = (error as Error).cause;
    console.log(`\n## ${name}\n  FAILED: ${(error as Error).stack}${cause ? `\n  cause: ${cause instanceof Error ? cause.stack : String(cause)}` : ''}`);
    summary.push({ name, seconds: (performance.now() - started) / 1000, ratio: '—', target: '—', verdict: 'FAILED', load: load() });
    process.exitCode = 1;
  }
}

console.log('\n## Summary');
for (const row of summary)
  console.log(
    `  ${row.name.padEnd(18)} ${row.ratio.padStart(10)}   ${row.target.padEnd(40)} ${row.verdict.padEnd(6)} (${row.seconds.toFixed(1)} s, load ${row.load})`,
  );
console.log(`  total ${((performance.now() - suiteStarted) / 1000).toFixed(1)} s`);
