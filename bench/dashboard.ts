/**
 * `trainer dash` for real, in a tmux terminal of 200×50, against an agent with 50 runs printing a
 * metric a second and 4 GPUs sampled every second (the stand-in nvidia-smi, readings changing at
 * each sample). Measures the dashboard process's CPU from /proc over a window, and how long a change
 * made through the API takes to reach the screen (capture-pane polled every few ms).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BENCH_KEY, fmt, median, percentile, removeDir, sleep, startBenchAgent, TRAINER_HOME, type BenchAgent, type BenchResult } from './harness.js';

const RUNS = 50;
const GPUS = 4;
const CPU_WINDOW_MS = 30_000;
const LATENCY_ROUNDS = 7;
const COLS = 200;
const ROWS = 50;
const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux
const run = promisify(execFile);

/** Four A100s whose readings move a little at each call, as a busy machine's do. */
function gpuCsv(second: number): string {
  return Array.from({ length: GPUS }, (_, index) => {
    const utilization = 50 + ((second * 7 + index * 13) % 50);
    const temperature = 60 + ((second + index * 3) % 20);
    return `${index}, GPU-0000000${index}-1d2b-4c3d-8e9f-0a1b2c3d4e5f, NVIDIA A100-SXM4-40GB, ${utilization}, ${20_000 + index * 1000 + (second % 100) * 10}, 40960, ${temperature}, ${250 + (second % 50)}.00`;
  }).join('\n');
}

class Terminal {
  constructor(private readonly socket: string) {}
  private env(): NodeJS.ProcessEnv {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    delete env.TMUX;
    return env;
  }
  async tmux(...args: string[]): Promise<string> {
    return (await run('tmux', ['-S', this.socket, ...args], { env: this.env() })).stdout;
  }
  screen = () => this.tmux('capture-pane', '-p', '-t', 'dash');
  /** Polls the screen every 5 ms; resolves with the ms it took for `check` to hold. */
  async until(what: string, check: (text: string) => boolean, timeoutMs = 30_000): Promise<number> {
    const started = performance.now();
    let last = '';
    while (performance.now() - started < timeoutMs) {
      last = await this.screen();
      if (check(last)) return performance.now() - started;
      await sleep(5);
    }
    throw new Error(`dashboard never showed ${what}; the screen was:\n${last}`);
  }
}

function cpuTicks(pid: number): Promise<number> {
  return readFile(`/proc/${pid}/stat`, 'utf8').then((stat) => {
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  });
}

const runsHeader = (text: string) => /Runs · ([^\n]*)/.exec(text)?.[1] ?? '';
const count = (header: string, state: string) => Number(new RegExp(`(\\d+) ${state}`).exec(header)?.[1] ?? 0);
const live = (header: string) => count(header, 'running') + count(header, 'queued');
const total = (header: string) => live(header) + count(header, 'ended');

export async function dashboard(): Promise<BenchResult> {
  execFileSync(join(TRAINER_HOME, 'scripts/test-deps/ensure-tmux.sh'), { stdio: 'inherit' });
  const work = await mkdtemp(join(tmpdir(), 'trainer-dash-bench-'));
  const gpuState = join(work, 'gpus.csv');
  await writeFile(gpuState, gpuCsv(0));
  let second = 0;
  const gpuTicker = setInterval(() => void writeFile(gpuState, gpuCsv(++second)).catch(() => {}), 1000);
  process.env.STANDIN_NVIDIA_SMI_STATE = gpuState; // the agent runs in this process and passes its env to nvidia-smi
  let bench: BenchAgent | undefined;
  const terminal = new Terminal(join(work, 'tmux.socket'));
  try {
    bench = await startBenchAgent({
      MAX_CONCURRENT_SESSIONS: String(RUNS),
      TRAINER_NVIDIA_SMI: join(TRAINER_HOME, 'test/stand-ins/nvidia-smi'),
      TRAINER_SAMPLE_INTERVAL_SECONDS: '1',
    });
    const tickers: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const { session_id } = await bench.api('POST', '/api/v1/training/sessions', {
        recipe: 'stamp-ticker',
        params: { epochs: 100_000, interval_ms: 1000 },
        start: true,
      });
      tickers.push(session_id);
    }
    const env = { TRAINER_URL: bench.url, TRAINER_API_KEY: BENCH_KEY, NCURSES_NO_UTF8_ACS: '1', LANG: 'C.UTF-8' };
    await terminal.tmux(
      '-u',
      'new-session',
      '-d',
      '-s',
      'dash',
      '-x',
      String(COLS),
      '-y',
      String(ROWS),
      '-c',
      TRAINER_HOME,
      ...Object.entries(env).flatMap(([key, value]) => ['-e', `${key}=${value}`]),
      `exec ${process.execPath} ${process.env.TRAINER_BENCH_DASH_NODE_OPTIONS ?? ''} bin/run.js dash`,
    );
    const pid = Number((await terminal.tmux('display-message', '-p', '-t', 'dash', '#{pane_pid}')).trim());
    await terminal.until(`${RUNS} runs running`, (text) => count(runsHeader(text), 'running') === RUNS && text.includes(`GPUs · ${GPUS}×`), 120_000);
    await sleep(3000); // past the first full draw

    const ticksBefore = await cpuTicks(pid);
    const windowStarted = performance.now();
    await sleep(CPU_WINDOW_MS);
    const cpuShare = (await cpuTicks(pid)) - ticksBefore;
    const cpuFraction = cpuShare / CLOCK_TICKS_PER_SECOND / ((performance.now() - windowStarted) / 1000);

    // event → screen: a new run appearing (counted in the runs panel's title), and a running one stopping
    const newRun: number[] = [];
    const stopRun: number[] = [];
    for (let round = 0; round < LATENCY_ROUNDS; round++) {
      const before = runsHeader(await terminal.screen());
      const { session_id } = await bench.api('POST', '/api/v1/training/sessions', {
        recipe: 'stamp-ticker',
        params: { epochs: 100_000, interval_ms: 1000 },
        start: true,
      });
      newRun.push(await terminal.until('the new run', (text) => total(runsHeader(text)) === total(before) + 1));
      await bench.api('POST', `/api/v1/training/${session_id}/stop`);
      await terminal.until('the new run ended', (text) => live(runsHeader(text)) === live(before));
      const running = count(runsHeader(await terminal.screen()), 'running');
      await bench.api('POST', `/api/v1/training/${tickers.pop()}/stop`);
      stopRun.push(await terminal.until('the stopped run', (text) => count(runsHeader(text), 'running') === running - 1));
    }
    const latencies = [...newRun, ...stopRun];
    const p99 = percentile(latencies, 99);
    const cpuMet = cpuFraction < 0.05;
    return {
      title: `8. Dashboard: ${RUNS} runs at 1 Hz and ${GPUS} GPUs, ${COLS}×${ROWS} in tmux`,
      figures: [
        { name: `dashboard CPU over ${CPU_WINDOW_MS / 1000} s (utime+stime)`, value: `${fmt(cpuFraction * 100, 2)} % of one core (${cpuShare} ticks)` },
        { name: `API reply → new run counted on screen, p50 / max (${LATENCY_ROUNDS})`, value: `${fmt(median(newRun))} / ${fmt(Math.max(...newRun))} ms` },
        {
          name: `API reply → stopped run counted on screen, p50 / max (${LATENCY_ROUNDS})`,
          value: `${fmt(median(stopRun))} / ${fmt(Math.max(...stopRun))} ms`,
        },
        { name: 'event → screen, all rounds p99', value: `${fmt(p99)} ms` },
      ],
      ratio: { description: 'dashboard CPU ÷ one core', value: cpuFraction, unit: '%' },
      target: { description: 'CPU < 5% of a core; event → screen < 1 s', met: cpuMet && p99 < 1000 },
      notes: [
        'The dashboard is the real `trainer dash` process; its CPU is read from /proc/<pid>/stat, so the agent, the runs and this process are not counted.',
        'Latency includes the agent (in this process) publishing the event, the dashboard redraw (capped at 4/s) and tmux; the screen is polled every 5 ms.',
      ],
    };
  } catch (error) {
    const runs = bench ? await bench.api('GET', '/api/v1/training/sessions?limit=100').catch(() => null) : null;
    const states = runs
      ? JSON.stringify((runs.sessions ?? runs.runs ?? runs).map((r: any) => [r.session_id ?? r.id, r.status ?? r.state, r.end_reason, r.error_message]))
      : '';
    throw new Error(`${(error as Error).message}\nruns: ${states}`);
  } finally {
    clearInterval(gpuTicker);
    delete process.env.STANDIN_NVIDIA_SMI_STATE;
    await terminal.tmux('send-keys', '-t', 'dash', 'q').catch(() => {}); // a clean exit (and a written --cpu-prof)
    await sleep(1000);
    await terminal.tmux('kill-server').catch(() => {});
    await bench?.close();
    await removeDir(work);
  }
}
