import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fmt, median, TRAINER_HOME, type BenchResult } from './harness.js';

const RUNS = 10;

function once(args: string[]): number {
  const started = performance.now();
  execFileSync(process.execPath, args, { stdio: 'ignore', cwd: TRAINER_HOME });
  return performance.now() - started;
}

/** `trainer --help` (node bin/run.js --help) against `node -e 0`. */
export async function cliStartup(): Promise<BenchResult> {
  const commands = {
    node: ['-e', '0'],
    help: [join(TRAINER_HOME, 'bin', 'run.js'), '--help'],
    statusHelp: [join(TRAINER_HOME, 'bin', 'run.js'), 'run', 'status', '--help'],
  };
  const samples = { node: [] as number[], help: [] as number[], statusHelp: [] as number[] };
  for (const args of Object.values(commands)) once(args); // warm the disk cache
  for (let i = 0; i < RUNS; i++) {
    // interleaved, so a burst of load elsewhere on the machine hits all three alike
    for (const [name, args] of Object.entries(commands)) samples[name as keyof typeof samples].push(once(args));
  }
  const node = median(samples.node);
  const help = median(samples.help);
  const ratio = help / node;
  return {
    title: '4. CLI start-up: trainer --help',
    figures: [
      { name: `node bin/run.js --help (median of ${RUNS})`, value: `${fmt(help)} ms` },
      { name: 'node bin/run.js run status --help', value: `${fmt(median(samples.statusHelp))} ms` },
      { name: 'node -e 0', value: `${fmt(node)} ms` },
      { name: 'added by the CLI', value: `${fmt(help - node)} ms` },
    ],
    ratio: { description: 'trainer --help ÷ node -e 0', value: ratio, unit: '×' },
    target: { description: 'CLI ≤ 3× node', met: ratio <= 3 },
    notes: ['Wall time of the whole process, spawned with execFileSync; oclif reads oclif.manifest.json instead of importing every command.'],
  };
}
