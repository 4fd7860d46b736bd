/**
 * PROTOTYPE, bench-only: the `process` backend with one supervisor started ahead of time ("warm
 * spare"), loaded into a bench agent as the external backend plugin `process-warm`. It exists to
 * measure what the launch path would cost without a Node start-up in it; it is not used by the agent.
 *
 * The real supervisor already waits for its spec on stdin before doing anything, so a spare is just
 * a supervisor spawned with nothing written to its stdin yet. start() hands the spec to the spare and
 * starts the next spare a little later (so its start-up does not compete with the run's own).
 * What a production version must add (see docs/PERFORMANCE.md): a per-run supervisor log (the spare
 * cannot open the run's file before it knows the run), and a quiet exit on an empty stdin.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { isAlive, processStartTime } from '../../plugins/backends/process/process-identity.js';
import type { SupervisorSpec } from '../../plugins/backends/process/supervisor.js';
import { PLUGIN_API_VERSION, type ExitRecord, type PluginDefinition, type RunFilePaths, type RunLaunch, type RunningRun, type TrainingBackend } from '../../src/plugins/sdk.js';

const supervisorPath = fileURLToPath(new URL('../../plugins/backends/process/supervisor.js', import.meta.url));
const ConfigSchema = z
  .object({
    /** How long after a start the next spare is spawned (so its start-up does not compete with the run's). */
    refill_delay_ms: z.number().int().min(0).max(60_000).default(1000),
  })
  .strict();
type Config = z.infer<typeof ConfigSchema>;

class WarmProcessBackend implements TrainingBackend {
  private spare: ChildProcess | null = null;
  private refill: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly config: Config) {
    this.spare = this.spawnSupervisor('ignore');
  }

  private spawnSupervisor(diagnostics: number | 'ignore'): ChildProcess {
    const child = spawn(process.execPath, [supervisorPath, 'spare'], { detached: true, stdio: ['pipe', diagnostics, diagnostics] });
    child.unref();
    (child.stdin as unknown as Socket).unref(); // a waiting spare must not keep the agent alive
    return child;
  }

  private takeSpare(): ChildProcess | null {
    const spare = this.spare;
    this.spare = null;
    if (!this.closed && this.refill === null) {
      this.refill = setTimeout(() => {
        this.refill = null;
        if (!this.closed && this.spare === null) this.spare = this.spawnSupervisor('ignore');
      }, this.config.refill_delay_ms);
      this.refill.unref();
    }
    return spare && spare.exitCode === null && spare.signalCode === null && spare.pid !== undefined ? spare : null;
  }

  async start(launch: RunLaunch): Promise<RunningRun> {
    const spec: SupervisorSpec = {
      argv: launch.argv,
      env: launch.env,
      cwd: launch.cwd,
      paths: { log: launch.paths.log, metrics: launch.paths.metrics, exit: launch.paths.exit },
      metricsRegex: launch.recipe.metrics_regex,
      logMetricLines: launch.recipe.log_metric_lines,
      stopGraceMs: launch.stopGraceMs,
    };
    let supervisor = this.takeSpare();
    if (!supervisor) {
      const diagnostics = openSync(launch.paths.supervisorLog, 'a');
      supervisor = this.spawnSupervisor(diagnostics);
      closeSync(diagnostics);
    }
    const pid = supervisor.pid!;
    supervisor.stdin!.end(JSON.stringify(spec));
    const finished = new Promise<ExitRecord>((resolve) => {
      supervisor.once('exit', () => resolve(readExitRecord(launch.paths)));
    });
    return { handle: { pid, start_time: await processStartTime(pid) }, finished };
  }

  async stop(handle: Record<string, unknown>): Promise<void> {
    try {
      process.kill(Number(handle.pid), 'SIGTERM');
    } catch {
      // already ended
    }
  }

  async reattach(handle: Record<string, unknown>, paths: RunFilePaths): Promise<RunningRun> {
    const pid = Number(handle.pid);
    const finished = new Promise<ExitRecord>((resolve) => {
      const timer = setInterval(() => {
        if (isAlive(pid)) return;
        clearInterval(timer);
        resolve(readExitRecord(paths));
      }, 500);
    });
    return { handle, finished };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.refill) clearTimeout(this.refill);
    this.spare?.kill('SIGKILL'); // it has no child yet
    this.spare = null;
  }
}

async function readExitRecord(paths: RunFilePaths): Promise<ExitRecord> {
  try {
    return JSON.parse(await readFile(paths.exit, 'utf8')) as ExitRecord;
  } catch {
    return { exit_code: null, signal: null, stop_requested: false, error: 'The run’s supervisor ended without recording an exit status', ended_at: new Date().toISOString() };
  }
}

const warmProcessBackend: PluginDefinition<Config, TrainingBackend> = {
  name: 'process-warm',
  kind: 'backend',
  apiVersion: PLUGIN_API_VERSION,
  description: 'Bench prototype: the process backend with a supervisor started ahead of time.',
  configSchema: ConfigSchema,
  create: (_context, config) => new WarmProcessBackend(config),
};

export default warmProcessBackend;
