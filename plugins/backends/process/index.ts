import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { defineBackend, type ExitRecord, type RunFilePaths, type RunLaunch, type RunningRun, type TrainingBackend } from '../../../src/plugins/sdk.js';
import { endOrphanedGroup, GROUP_FILE } from './orphaned-group.js';
import { isAlive, isSameProcess, processStartTime } from './process-identity.js';
import { SpareSupervisors } from './spare-supervisor.js';
import type { SupervisorSpec } from './supervisor.js';

const ConfigSchema = z
  .object({
    /** How often a run re-found after an agent restart is checked for having ended. */
    reattach_poll_ms: z.number().int().min(50).max(60_000).default(500),
    /** Keep a supervisor started ahead of the next run, so that a launch does not wait for a Node start-up. */
    warm_supervisor: z.boolean().default(true),
    /** How long after a spare is taken (or the agent starts) the next one is started. */
    warm_refill_ms: z.number().int().min(0).max(600_000).default(1000),
  })
  .strict();
type Config = z.infer<typeof ConfigSchema>;

const HandleSchema = z.object({ pid: z.number().int().positive(), start_time: z.string().nullable() });
type ProcessHandle = z.infer<typeof HandleSchema>;

/** Runs any command of a recipe as a local process, supervised by a detached helper that survives the agent. */
class ProcessBackend implements TrainingBackend {
  private readonly pollers = new Set<NodeJS.Timeout>();
  private readonly spares: SpareSupervisors;

  constructor(private readonly config: Config) {
    this.spares = new SpareSupervisors(config.warm_supervisor, config.warm_refill_ms);
  }

  async start(launch: RunLaunch): Promise<RunningRun> {
    const spec: SupervisorSpec = {
      argv: launch.argv,
      env: launch.env,
      cwd: launch.cwd,
      paths: { log: launch.paths.log, metrics: launch.paths.metrics, exit: launch.paths.exit },
      metricsRegex: launch.recipe.metrics_regex,
      logMetricLines: launch.recipe.log_metric_lines,
      metricsFormat: launch.recipe.metrics_format,
      rawOutput: launch.recipe.raw_output,
      stopSignal: launch.recipe.stop_signal,
      stopGraceMs: launch.stopGraceMs,
      ...(launch.logCapBytes !== undefined && { logCapBytes: launch.logCapBytes }),
    };
    const { supervisor, warm } = this.spares.take(launch.paths.supervisorLog, launch.runId);
    const pid = supervisor.pid;
    if (pid === undefined) {
      const reason = await new Promise<string>((resolve) => supervisor.once('error', (error) => resolve(error.message)));
      throw new Error(`cannot start the run supervisor: ${reason}`);
    }
    // a spare was started before the run was known: it writes its diagnostics into the run's file itself
    if (warm) spec.supervisorLog = launch.paths.supervisorLog;
    supervisor.stdin!.end(JSON.stringify(spec));
    supervisor.unref();
    const finished = new Promise<ExitRecord>((resolve) => {
      supervisor.once('exit', () => resolve(howItEnded(launch.paths)));
    });
    return { handle: { pid, start_time: await processStartTime(pid) }, finished };
  }

  async stop(handle: Record<string, unknown>): Promise<void> {
    const { pid } = HandleSchema.parse(handle);
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already ended: the exit record tells how
    }
  }

  async reattach(handle: Record<string, unknown>, paths: RunFilePaths): Promise<RunningRun> {
    const parsed = HandleSchema.safeParse(handle);
    const alive = parsed.success && (await isSameProcess(parsed.data.pid, parsed.data.start_time));
    const finished = alive ? this.waitForEnd(parsed.data, paths) : howItEnded(paths);
    return { handle, finished };
  }

  private waitForEnd(handle: ProcessHandle, paths: RunFilePaths): Promise<ExitRecord> {
    return new Promise((resolve) => {
      const timer = setInterval(() => {
        if (isAlive(handle.pid)) return;
        clearInterval(timer);
        this.pollers.delete(timer);
        resolve(howItEnded(paths));
      }, this.config.reattach_poll_ms);
      this.pollers.add(timer);
    });
  }

  /** The agent is going away; the runs are not. A later agent re-attaches them. */
  async close(): Promise<void> {
    this.spares.close();
    for (const timer of this.pollers) clearInterval(timer);
    this.pollers.clear();
  }
}

function groupRecordPath(paths: RunFilePaths): string {
  return join(paths.dir, GROUP_FILE);
}

/**
 * The exit the supervisor recorded; without one, the supervisor died: what is left of the training's
 * process group is ended first, so that the run (and its GPUs) is released only once nothing of it runs.
 */
async function howItEnded(paths: RunFilePaths): Promise<ExitRecord> {
  try {
    return JSON.parse(await readFile(paths.exit, 'utf8')) as ExitRecord;
  } catch {
    const ended = await endOrphanedGroup(groupRecordPath(paths));
    return {
      exit_code: null,
      signal: null,
      stop_requested: false,
      error: `The run's supervisor ended without recording an exit status${ended ? `; ${ended}` : ''} (see ${paths.supervisorLog})`,
      ended_at: new Date().toISOString(),
    };
  }
}

export default defineBackend({
  name: 'process',
  description: "Runs a recipe's command as a local process group; training survives agent restarts.",
  configSchema: ConfigSchema,
  create: (_context, config) => new ProcessBackend(config),
});
