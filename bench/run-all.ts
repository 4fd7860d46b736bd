import { apiThroughput } from './api-throughput.js';
import { cliStartup } from './cli-startup.js';
import { machine, printResult, type BenchResult } from './harness.js';
import { historyQuery } from './history-query.js';
import { metricIngestion } from './metric-ingestion.js';
import { sseFanOut } from './sse-fan-out.js';
import { submitToSpawn } from './submit-to-spawn.js';
import { trainingOverhead } from './training-overhead.js';

const BENCHMARKS: Record<string, () => Promise<BenchResult>> = {
  'submit-to-spawn': submitToSpawn,
  'metric-ingestion': metricIngestion,
  'api-throughput': apiThroughput,
  'cli-startup': cliStartup,
  'training-overhead': trainingOverhead,
  'sse-fan-out': sseFanOut,
  'history-query': historyQuery,
};

const only = process.argv.slice(2);
console.log(`# trainer benchmarks — ${new Date().toISOString().slice(0, 10)} — ${machine()}`);
for (const [name, run] of Object.entries(BENCHMARKS)) {
  if (only.length > 0 && !only.includes(name)) continue;
  try {
    printResult(await run());
  } catch (error) {
    console.log(`\n## ${name}\n  FAILED: ${(error as Error).stack}`);
    process.exitCode = 1;
  }
}
