import { mkdir } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { foldLatest } from '../domain/latest-metrics.js';
import { parseOutputProgress, progressPatch } from '../domain/run-progress.js';
import { RecipeSchema, renderCommand, totalEpochsOf, type ParamValue, type Recipe } from '../domain/recipe.js';
import { EXEC_RECIPE, type AdHocCommand, type EndReason, type Run } from '../domain/run.js';
import type { EventBus } from '../events/event-bus.js';
import type { RunFilePaths, RunningRun, TrainingBackend } from '../plugins/contract.js';
import type { Logger } from '../logging/logger.js';
import type { PluginRegistry } from '../plugins/plugin-registry.js';
import type { RunFiles } from '../store/run-files.js';
import { RunFollower } from '../store/run-follower.js';
import type { RunPaths } from '../store/run-paths.js';
import type { ExitRecord, MetricRecord } from '../domain/run-records.js';
import type { RecipeCatalog } from './recipe-catalog.js';
import type { RunActivity, RunActivitySnapshot } from './run-activity.js';
import type { RunLifecycle, TrackingOutcome } from './run-lifecycle.js';

export type { TrackingOutcome } from './run-lifecycle.js';

export interface RunExecutorDeps {
  lifecycle: RunLifecycle;
  registry: PluginRegistry;
  recipes: RecipeCatalog;
  paths: RunPaths;
  files: RunFiles;
  events: EventBus;
  logger: Logger;
  stopGraceMs: number;
  /** The cap on each run's log (run_log_cap_mb), handed to its backend. */
  runLogCapBytes?: number;
  trainerHome: string;
  /** The environment training processes inherit (the agent's own, by default). */
  baseEnv: NodeJS.ProcessEnv;
  /** Where uploaded datasets are, given to training processes as TRAINER_DATASETS_DIR. */
  datasetsDir?: string;
  /** The file of a dataset's exact version (null: built in, or gone), for the run's environment. */
  datasetPath?: (name: string, version: string | null) => Promise<string | null>;
  /** The run's newest registered checkpoint (the checkpoint registry), what a retry resumes from first. */
  registeredCheckpoint?: (runId: string) => string | null;
}

interface ActiveRun {
  follower: RunFollower;
  /** The last metric records, for alert rules (bounded). */
  recent: MetricRecord[];
  lastOutputAt: string;
  backend: TrainingBackend | null;
  latest: MetricRecord | null;
  lastError: string | null;
  /** The agent stopped it for running past its recipe's time limit. */
  timedOut: boolean;
  timeLimit: NodeJS.Timeout | null;
  done: Promise<Run>;
}

const RECENT_RECORDS = 500;

/**
 * The recipe an ad-hoc command runs as: its argv, its environment, and every output line kept in the
 * log (JSON metric lines too), since the person who ran it reads that log as the command's output.
 */
function adHocRecipe(command: AdHocCommand, dir: string): Recipe {
  return {
    ...RecipeSchema.parse({ name: EXEC_RECIPE, backend: 'process', command: ['{run_id}'], log_metric_lines: true, description: 'An ad-hoc command' }),
    command: command.argv,
    env: command.env,
    dir,
  };
}

/**
 * Backend + follower: starts runs on their backends and follows their output while they run. Every
 * change to a run's record it asks of the lifecycle; what it follows it offers as the `RunActivity`
 * read model.
 */
export class RunExecutor implements RunActivity {
  private readonly active = new Map<string, ActiveRun>();
  /** Tracking-only runs in progress: ending one resolves what `follow` waits for. */
  private readonly tracked = new Map<string, (outcome: TrackingOutcome) => void>();
  private closing = false;

  constructor(private readonly deps: RunExecutorDeps) {}

  get runningCount(): number {
    return this.active.size;
  }

  /** Whether a backend allocates GPUs itself (Slurm GRES), so that its runs take no local GPU ids. */
  backendManagesGpus(backend: string): boolean {
    const { registry } = this.deps;
    return registry.has('backend', backend) && registry.get('backend', backend).managesGpus === true;
  }

  isActive(runId: string): boolean {
    return this.active.has(runId);
  }

  /** queued → running: renders the command, starts the backend, persists its handle. */
  async launch(queued: Run, gpuIds: number[], slot: number | null = null): Promise<void> {
    const { lifecycle, recipes, files } = this.deps;
    const filePaths = this.filePaths(queued.id);
    const retry = (queued.attempts?.length ?? 0) > 0;
    // a retry resumes where the last attempt left its checkpoints, and must not read that attempt's exit record
    const resumeFrom = retry ? (this.deps.registeredCheckpoint?.(queued.id) ?? (await files.latestCheckpoint(queued.id).catch(() => null))) : null;
    if (retry) await files.archiveExit(queued.id, queued.attempts!.length);
    let run = await lifecycle.beginAttempt(queued.id, { gpuIds, slot, resumeFrom, at: new Date() });
    try {
      await mkdir(filePaths.output, { recursive: true });
      const recipe = run.command ? adHocRecipe(run.command, filePaths.output) : recipes.get(run.recipe);
      const params = run.params as Record<string, ParamValue>;
      // an ad-hoc command is run exactly as given: its words are not templates
      const argv = run.command
        ? [...run.command.argv]
        : renderCommand(recipe, params, {
            node: process.execPath,
            trainer_home: this.deps.trainerHome,
            recipe_dir: recipe.dir,
            run_dir: filePaths.dir,
            output_dir: filePaths.output,
            run_id: run.id,
          });
      const backend = this.deps.registry.get('backend', run.backend);
      const started = await backend.start({
        runId: run.id,
        recipe,
        argv,
        env: { ...this.environmentFor(run, recipe.env, filePaths, resumeFrom), ...(await this.datasetEnvironment(run)) },
        cwd: run.command?.cwd ?? filePaths.output,
        gpuIds,
        gpus: run.gpus,
        paths: filePaths,
        stopGraceMs: this.graceFor(run),
        ...(this.deps.runLogCapBytes !== undefined && { logCapBytes: this.deps.runLogCapBytes }),
      });
      run = await lifecycle.recordHandle(run.id, started.handle, totalEpochsOf(recipe, params));
      // a retry appends to the run's files: follow from where they end, not from what earlier attempts wrote
      const offsets = retry
        ? { metricsOffset: await files.sizeOf(filePaths.metrics), logOffset: await files.logEnd(run.id) }
        : { metricsOffset: 0, logOffset: 0 };
      this.follow(run, backend, started, offsets, null);
      lifecycle.announceStarted(run.id);
      // read again: a stop may have come in while the handle was being written, before follow() made the run active
      if (lifecycle.find(run.id)?.stop_requested) await backend.stop(started.handle, { graceMs: this.graceFor(run) });
    } catch (error) {
      const message = (error as Error).message;
      this.deps.logger.error('run failed to launch', { run: run.id, error: message });
      await lifecycle.launchFailed(run.id, message);
    }
  }

  /**
   * created → running for a tracking-only run: nothing is launched, but its metrics file is followed
   * like any run's (alerts, streams, summaries) until the client ends it with `endTracking`.
   */
  async track(created: Run): Promise<Run> {
    await mkdir(this.filePaths(created.id).output, { recursive: true });
    const run = await this.deps.lifecycle.beginTracking(created);
    this.followTracked(run, { metricsOffset: 0, logOffset: 0 }, null);
    this.deps.lifecycle.announceStarted(run.id);
    return run;
  }

  /** Ends a tracking-only run as the client says; resolves with the final run. */
  async endTracking(runId: string, outcome: TrackingOutcome): Promise<Run> {
    const end = this.tracked.get(runId);
    const done = this.active.get(runId)?.done;
    if (!end || !done) throw new Error(`session ${runId} is not a tracking-only run in progress`);
    end(outcome);
    return done;
  }

  /** After a restart: every run persisted as running is re-found on its backend, or finalized. */
  async reattachAll(): Promise<void> {
    const running = this.deps.lifecycle.runs.filter((run) => run.state === 'running');
    for (const run of running) {
      const filePaths = this.filePaths(run.id);
      if (run.tracking_only) {
        const tail = await this.deps.files.tailMetrics(run.id, 50);
        this.followTracked(run, { metricsOffset: tail.size, logOffset: await this.deps.files.logEnd(run.id) }, foldLatest(null, tail.records));
        continue;
      }
      try {
        const backend = this.deps.registry.get('backend', run.backend);
        if (!run.handle) {
          await this.finalize(
            run,
            {
              exit_code: null,
              signal: null,
              stop_requested: false,
              error: 'The agent stopped while this run was being launched',
              ended_at: new Date().toISOString(),
            },
            'lost',
          );
          continue;
        }
        // taken before re-attaching: what the backend writes meanwhile (Slurm's output of the time no agent
        // ran, caught up) is followed, so that the run's last error line is known when it ends
        const logOffset = await this.deps.files.logEnd(run.id);
        const found = await backend.reattach(run.handle, filePaths);
        const tail = await this.deps.files.tailMetrics(run.id, 50);
        const latest = foldLatest(null, tail.records);
        if (typeof latest?.epoch === 'number') this.deps.lifecycle.recordProgress(run.id, { current_epoch: latest.epoch });
        this.follow(run, backend, found, { metricsOffset: tail.size, logOffset }, latest);
        this.deps.logger.info('re-attached run', { run: run.id });
      } catch (error) {
        const message = `Could not re-attach after an agent restart: ${(error as Error).message}`;
        await this.finalize(run, { exit_code: null, signal: null, stop_requested: false, error: message, ended_at: new Date().toISOString() }, 'lost');
      }
    }
  }

  /** Delivers a stop request to the run's backend; the lifecycle has recorded it already. */
  async requestStop(run: Run): Promise<void> {
    const active = this.active.get(run.id);
    if (!active || !run.handle || !active.backend) return; // launch in progress: launch() sees stop_requested
    await active.backend.stop(run.handle, { graceMs: this.graceFor(run) });
  }

  whenFinished(runId: string): Promise<Run> | undefined {
    return this.active.get(runId)?.done;
  }

  /** How far the follower has read a running run's files; undefined when the run is not active. */
  followedOffsets(runId: string): { metricsOffset: number; logOffset: number } | undefined {
    return this.active.get(runId)?.follower.offsets;
  }

  /** What alert rules need of an active run; undefined when the run is not active. */
  activity(runId: string): RunActivitySnapshot | undefined {
    const active = this.active.get(runId);
    return active && { latest: active.latest, recent: [...active.recent], lastOutputAt: active.lastOutputAt };
  }

  latestMetrics(runId: string): MetricRecord | null | undefined {
    return this.active.get(runId)?.latest;
  }

  /** Stops following; the runs themselves keep going and are re-attached by the next agent. */
  async close(): Promise<void> {
    this.closing = true;
    for (const active of this.active.values()) if (active.timeLimit) clearTimeout(active.timeLimit);
    await Promise.all([...this.active.values()].map((active) => active.follower.close()));
    this.active.clear();
  }

  private followTracked(run: Run, offsets: { metricsOffset: number; logOffset: number }, latest: MetricRecord | null): void {
    const ended = new Promise<TrackingOutcome>((resolve) => this.tracked.set(run.id, resolve));
    this.follow(run, null, { handle: {}, finished: ended }, offsets, latest);
  }

  private follow(
    run: Run,
    backend: TrainingBackend | null,
    started: Omit<RunningRun, 'finished'> & { finished: Promise<ExitRecord | TrackingOutcome> },
    offsets: { metricsOffset: number; logOffset: number },
    latest: MetricRecord | null,
  ): void {
    const { lifecycle, events, paths } = this.deps;
    const entry = { latest, lastError: null, recent: [], lastOutputAt: new Date().toISOString(), timedOut: false, timeLimit: null } as unknown as ActiveRun;
    const follower = new RunFollower(
      paths,
      run.id,
      {
        onMetrics: (records, range) => {
          entry.latest = foldLatest(entry.latest, records);
          entry.recent.push(...records.slice(-RECENT_RECORDS));
          if (entry.recent.length > RECENT_RECORDS) entry.recent.splice(0, entry.recent.length - RECENT_RECORDS);
          entry.lastOutputAt = new Date().toISOString();
          const epoch = entry.latest?.epoch;
          if (typeof epoch === 'number') lifecycle.recordProgress(run.id, { current_epoch: epoch });
          events.emit('run.metrics', { runId: run.id, records, range });
        },
        onLogs: (records, range) => {
          entry.lastOutputAt = new Date().toISOString();
          for (const record of records)
            if (record.stream !== 'agent' && (record.stream === 'stderr' || record.level === 'ERROR' || record.level === 'CRITICAL'))
              entry.lastError = record.message;
          events.emit('run.log', { runId: run.id, records, range });
        },
        onProgress: (raw) => {
          const progress = parseOutputProgress(raw);
          if (progress) lifecycle.recordProgress(run.id, (current) => progressPatch(current, progress));
        },
      },
      offsets,
    );
    entry.follower = follower;
    entry.backend = backend;
    entry.done = started.finished.then(async (exit) => {
      if (entry.timeLimit) clearTimeout(entry.timeLimit);
      await follower.close();
      if (this.closing) return lifecycle.find(run.id)!;
      this.active.delete(run.id);
      this.tracked.delete(run.id);
      if ('state' in exit) return lifecycle.endTracking(run.id, exit, entry.latest);
      return this.finalize(run, exit, null, entry.lastError, entry.latest, entry.timedOut);
    });
    this.active.set(run.id, entry);
    // a tracking-only run has no process to stop
    if (backend)
      entry.timeLimit = this.armTimeLimit(run, () => {
        entry.timedOut = true;
        this.deps.logger.info('run reached its time limit', { run: run.id });
        backend
          .stop(started.handle, { graceMs: this.graceFor(run) })
          .catch((error: Error) => this.deps.logger.error('could not stop a run past its time limit', { run: run.id, error: error.message }));
      });
    follower.start();
  }

  /** The recipe's time limit counts from the run's start, across agent restarts. */
  private armTimeLimit(run: Run, onExpiry: () => void): NodeJS.Timeout | null {
    const { recipes } = this.deps;
    const limitS = recipes.has(run.recipe) ? recipes.get(run.recipe).time_limit_s : undefined;
    if (!limitS || !run.started_at) return null;
    const remainingMs = Math.max(0, Date.parse(run.started_at) + limitS * 1000 - Date.now());
    const timer = setTimeout(onExpiry, remainingMs);
    timer.unref();
    return timer;
  }

  /** Records how the run's process ended (finished, or queued again for a retry). */
  private async finalize(
    run: Run,
    exit: ExitRecord,
    forcedReason: EndReason | null,
    lastError: string | null = null,
    latest: MetricRecord | null = null,
    timedOut = false,
  ): Promise<Run> {
    const final = latest ?? foldLatest(null, (await this.deps.files.tailMetrics(run.id, 50)).records);
    const timeLimitS = this.deps.recipes.has(run.recipe) ? this.deps.recipes.get(run.recipe).time_limit_s : undefined;
    const beforeRetry = async (queued: Run) => {
      await this.deps.files.appendAgentLog(run.id, 'WARNING', queued.error_message ?? 'retrying').catch(() => {});
      this.deps.logger.info('retrying run', { run: run.id, attempt: (queued.attempts?.length ?? 0) + 1, reason: queued.attempts?.at(-1)?.end_reason });
    };
    const next = await this.deps.lifecycle.endAttempt(run.id, { exit, forcedReason, lastError, latest: final, timedOut, timeLimitS, beforeRetry });
    return next;
  }

  /** How long a stopped run may take to exit: its recipe's `stop_grace_s`, else the agent's. */
  private graceFor(run: Run): number {
    const { recipes, stopGraceMs } = this.deps;
    const graceS = recipes.has(run.recipe) ? recipes.get(run.recipe).stop_grace_s : undefined;
    return graceS === undefined ? stopGraceMs : graceS * 1000;
  }

  private filePaths(runId: string): RunFilePaths {
    const { paths } = this.deps;
    return {
      dir: paths.dir(runId),
      log: paths.log(runId),
      metrics: paths.metrics(runId),
      exit: paths.exit(runId),
      output: paths.output(runId),
      supervisorLog: paths.supervisorLog(runId),
    };
  }

  /**
   * Where each dataset parameter's exact version lies: TRAINER_DATASET_PATH_<PARAM> (and, for the run's
   * main dataset, TRAINER_DATASET_PATH and TRAINER_DATASET_VERSION). A pinned version is found here
   * even after newer ones were uploaded.
   */
  private async datasetEnvironment(run: Run): Promise<Record<string, string>> {
    const env: Record<string, string> = {};
    const entries = Object.entries(run.datasets ?? {});
    for (const [param, dataset] of entries) {
      const path = await this.deps.datasetPath?.(dataset.name, dataset.version).catch(() => null);
      if (path) env[`TRAINER_DATASET_PATH_${param.toUpperCase()}`] = path;
      const main = param === 'dataset_name' || (entries.length > 0 && !run.datasets!.dataset_name && param === entries[0]![0]);
      if (!main) continue;
      if (path) env.TRAINER_DATASET_PATH = path;
      if (dataset.version) env.TRAINER_DATASET_VERSION = dataset.version;
    }
    return env;
  }

  private environmentFor(run: Run, recipeEnv: Record<string, string>, filePaths: RunFilePaths, resumeFrom: string | null): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(this.deps.baseEnv)) if (value !== undefined) env[key] = value;
    Object.assign(env, recipeEnv, {
      // Only the GPUs the scheduler gave this run: two runs never share one.
      CUDA_VISIBLE_DEVICES: run.gpu_ids.join(','),
      TRAINER_RUN_ID: run.id,
      TRAINER_OUTPUT_DIR: filePaths.output,
      TRAINER_ATTEMPT: String(run.attempts?.length ?? 1),
      ...(this.deps.datasetsDir && { TRAINER_DATASETS_DIR: this.deps.datasetsDir }),
      PYTHONUNBUFFERED: '1',
      // trainer_client (sdk/python) prints protocol lines under the agent, and is importable with nothing installed
      TRAINER_SUPERVISED: '1',
      TRAINER_STOP_SIGNAL: this.deps.recipes.has(run.recipe) ? this.deps.recipes.get(run.recipe).stop_signal : 'SIGTERM',
    });
    env.PYTHONPATH = [join(this.deps.trainerHome, 'sdk', 'python'), env.PYTHONPATH].filter(Boolean).join(delimiter);
    // a retry resumes from the newest entry of <output>/checkpoints/, when there is one
    if (resumeFrom) env.TRAINER_RESUME_FROM = resumeFrom;
    else delete env.TRAINER_RESUME_FROM;
    return env;
  }
}
