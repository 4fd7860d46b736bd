import { join } from 'node:path';
import { BENCH_KEY, fmt, median, runCommand, startBenchAgent, TRAINER_HOME, type BenchResult } from './harness.js';

const RUNS = 8;

async function timed(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  await runCommand(command, args, { env });
  return performance.now() - started;
}

/**
 * `trainer run exec -- node -e 0`: from the CLI's start to the exit it reports (submit, queue, a
 * supervised spawn, the output stream, the final status), against running `node -e 0` directly and
 * against the CLI's own start-up (`trainer run exec --help`). The agent runs in this process; every
 * command is spawned asynchronously so that it keeps serving.
 */
export async function execRoundTrip(): Promise<BenchResult> {
  const bench = await startBenchAgent({ TRAINER_ALLOW_COMMANDS: '1' });
  try {
    const bin = join(TRAINER_HOME, 'bin', 'run.js');
    const env = { ...process.env, TRAINER_URL: bench.url, TRAINER_API_KEY: BENCH_KEY };
    const commands: Record<'direct' | 'help' | 'exec', [string, string[]]> = {
      direct: [process.execPath, ['-e', '0']],
      help: [process.execPath, [bin, 'run', 'exec', '--help']],
      exec: [process.execPath, [bin, 'run', 'exec', '--cwd', TRAINER_HOME, '--', process.execPath, '-e', '0']],
    };
    const samples = { direct: [] as number[], help: [] as number[], exec: [] as number[] };
    for (const [command, args] of Object.values(commands)) await timed(command, args, env); // warm the disk cache
    for (let i = 0; i < RUNS; i++) {
      // interleaved, so a burst of load elsewhere on the machine hits all three alike
      for (const [name, [command, args]] of Object.entries(commands)) samples[name as keyof typeof samples].push(await timed(command, args, env));
    }
    const direct = median(samples.direct);
    const help = median(samples.help);
    const exec = median(samples.exec);
    return {
      title: 'Exec round trip: trainer run exec -- node -e 0',
      figures: [
        { name: `trainer run exec -- node -e 0 (median of ${RUNS})`, value: `${fmt(exec)} ms` },
        { name: 'trainer run exec --help (the CLI start-up alone)', value: `${fmt(help)} ms` },
        { name: 'node -e 0, run directly', value: `${fmt(direct)} ms` },
        { name: 'added by the agent (exec − --help): submit, queue, supervised spawn, stream, status', value: `${fmt(exec - help)} ms` },
      ],
      ratio: { description: 'run exec ÷ running the command directly', value: exec / direct, unit: '×' },
      target: { description: 'agent part (exec − CLI start-up) ≤ 1 s', met: exec - help <= 1000 },
      notes: [
        "Whole-process wall times of spawned commands. The run goes through the process backend: a detached supervisor spawns the command, its output and exit reach the CLI over the run's SSE stream.",
      ],
    };
  } finally {
    await bench.close();
  }
}
