import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fmt, median, TRAINER_HOME, type BenchResult } from './harness.js';

const RUNS = 10;

function time(args: string[]): number[] {
  const samples: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const started = performance.now();
    execFileSync(process.execPath, args, { stdio: 'ignore' });
    if (i > 0) samples.push(performance.now() - started); // the first run warms the disk cache
  }
  return samples;
}

/** `trainer --help` against `node -e 0`. */
export async function cliStartup(): Promise<BenchResult> {
  const node = median(time(['-e', '0']));
  const help = median(time([join(TRAINER_HOME, 'bin', 'run.js'), '--help']));
  const statusHelp = median(time([join(TRAINER_HOME, 'bin', 'run.js'), 'run', 'status', '--help']));
  const ratio = help / node;
  return {
    title: 'CLI start-up',
    figures: [
      { name: `trainer --help (median of ${RUNS})`, value: `${fmt(help)} ms` },
      { name: 'trainer run status --help', value: `${fmt(statusHelp)} ms` },
      { name: 'node -e 0', value: `${fmt(node)} ms` },
    ],
    target: { description: 'CLI ≤ 3× node', ratio, met: ratio <= 3 },
  };
}
