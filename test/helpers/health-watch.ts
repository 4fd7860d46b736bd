import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

export interface HealthSample {
  /** Wall time of one GET /health, ms. */
  wallMs: number;
  /** CPU time the main thread (the agent's event loop, in this process) used meanwhile, ms: on a loaded machine, many short turns of others' work add up here. */
  loopCpuMs: number;
}

/** CPU time of this process's main thread so far, ms (Linux: /proc, 10 ms ticks). */
function mainThreadCpuMs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // after the command name: state is field 3, utime 14 and stime 15 (1-based in proc(5))
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Times /health one request after another until stopped, for an agent running in this process, and
 * measures the longest stretch of work the event loop did without coming round to its timers (the
 * main thread's CPU time between two firings of a 5 ms ticker). Wall times include waiting for a CPU on
 * a loaded machine; the loop's longest stretch does not, and is what a blocking parse or serialisation
 * shows up as: however busy the machine, a /health waits for at most that stretch of this process's work.
 */
export function watchHealth(url: string) {
  const samples: HealthSample[] = [];
  let running = true;
  let longestLoopStretchMs = 0;
  let lastCpu = mainThreadCpuMs();
  const ticker = setInterval(() => {
    const now = mainThreadCpuMs();
    longestLoopStretchMs = Math.max(longestLoopStretchMs, now - lastCpu);
    lastCpu = now;
  }, 5);
  const done = (async () => {
    while (running) {
      const cpuBefore = mainThreadCpuMs();
      const started = performance.now();
      const response = await fetch(`${url}/health`);
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`/health answered ${response.status}`);
      samples.push({ wallMs: performance.now() - started, loopCpuMs: mainThreadCpuMs() - cpuBefore });
      // a short gap: the watcher should measure the agent, not compete with it for the loop
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return {
    samples,
    async stop(): Promise<{ samples: HealthSample[]; longestLoopStretchMs: number; maxWallMs: number }> {
      running = false;
      await done;
      clearInterval(ticker);
      return { samples, longestLoopStretchMs, maxWallMs: Math.max(...samples.map((sample) => sample.wallMs)) };
    },
  };
}

/** The load average is below the core count: wall-clock latencies mean something. */
export function machineIsQuiet(): boolean {
  return loadavg()[0]! < cpus().length;
}
