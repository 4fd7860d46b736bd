import { rm } from 'node:fs/promises';
import { fitsInventory } from '../domain/gpu-allocation.js';
import { latestMetrics } from '../domain/latest-metrics.js';
import { resolveParams, totalEpochsOf, type Recipe } from '../domain/recipe.js';
import { parseDatasetRef } from '../domain/registry.js';
import { newRunId } from '../domain/run-id.js';
import { EXEC_RECIPE, isFinal, newRun, TRACKING_BACKEND, type AdHocCommand, type Run, type RunOrigin, type RunState } from '../domain/run.js';
import { AppError, conflict, ErrorCode, invalid, notFound } from '../errors.js';
import type { PluginRegistry } from '../plugins/plugin-registry.js';
import type { LogPage, RunFiles } from '../store/run-files.js';
import type { LogRecord, MetricRecord } from '../domain/run-records.js';
import { StreamingMetricQuery, type MetricQuery } from './metric-query.js';
import type { MetricIndex, MetricSummary } from '../store/metric-index.js';
import type { DatasetCatalog } from './dataset-catalog.js';
import type { RecipeCatalog } from './recipe-catalog.js';
import type { RunExecutor } from './run-executor.js';
import type { RunLifecycle } from './run-lifecycle.js';
import type { Scheduler } from './scheduler.js';
import type { ParamsValidator } from './training-plan-check.js';

export interface SubmitRequest {
  recipe?: string;
  params?: Record<string, unknown>;
  gpus?: number;
  priority?: number;
  name?: string | null;
  tags?: string[];
  experimentId?: string | null;
  /** The schedule whose fire submitted it. */
  scheduleId?: string | null;
  /** false: seed 001's "create" (state `created`, started later); true: queue it now. */
  start: boolean;
  /** The chat channel that asked for it, if any. */
  origin?: RunOrigin | null;
}

/** An ad-hoc command to queue as a run (its checks of who may, and where, are the ExecService's). */
export interface CommandRequest {
  command: AdHocCommand;
  gpus?: number;
  priority?: number;
  name?: string | null;
  tags?: string[];
  experimentId?: string | null;
}

/** Seed 002: a run that only records what a client reports; no recipe is run. */
export interface TrackingRequest {
  /** A label for grouping and leaderboards (default `tracking`); need not name a recipe. */
  recipe?: string;
  params?: Record<string, number | string | boolean>;
  name?: string | null;
  tags?: string[];
  experimentId?: string | null;
  totalEpochs?: number | null;
}

export interface ListQuery {
  state?: RunState;
  /** Any of these states (seed 004's statuses each cover one or two). */
  states?: readonly RunState[];
  /** Undefined: every run from `offset` on. */
  limit?: number;
  offset: number;
}

export interface RunServiceDeps {
  /** Every change to a run's record goes through it. */
  lifecycle: RunLifecycle;
  recipes: RecipeCatalog;
  datasets: DatasetCatalog;
  registry: PluginRegistry;
  files: RunFiles;
  metricIndex: MetricIndex;
  executor: RunExecutor;
  scheduler: Scheduler;
  gpuInventory: readonly number[];
  /** The default recipe and its default parameters now (they can change at runtime). */
  defaults: () => { recipe: string; params: Record<string, unknown> };
  experimentExists: (id: string) => boolean;
  stopWaitMs: number;
  /** Checks of whole parameter sets, by the name a recipe gives in `validator`. */
  validators?: Record<string, ParamsValidator>;
}

/** The one application service for runs: REST, CLI, chat and cron all come through here. */
export class RunService {
  constructor(private readonly deps: RunServiceDeps) {}

  get defaultRecipe(): string {
    return this.deps.defaults().recipe;
  }

  async submit(request: SubmitRequest): Promise<Run> {
    const { lifecycle } = this.deps;
    const defaults = this.deps.defaults();
    const recipe = this.deps.recipes.get(request.recipe ?? defaults.recipe);
    if (request.experimentId && !this.deps.experimentExists(request.experimentId)) throw notFound(`Experiment '${request.experimentId}' not found`);
    if (!this.deps.registry.has('backend', recipe.backend)) {
      throw invalid(`Recipe '${recipe.name}' uses backend '${recipe.backend}', which is not loaded`);
    }
    const params = resolveParams(recipe, { ...(recipe.name === defaults.recipe ? defaults.params : {}), ...request.params });
    const datasets = await this.resolveDatasets(
      Object.keys(recipe.params).filter((name) => recipe.params[name]!.type === 'dataset'),
      params,
    );
    await this.validateTogether(recipe, params);
    const gpus = request.gpus ?? recipe.gpus;
    if (!this.deps.executor.backendManagesGpus(recipe.backend) && !fitsInventory(this.deps.gpuInventory, gpus)) {
      throw invalid(`The run asks for ${gpus} GPU${gpus === 1 ? '' : 's'}, but this machine has ${this.deps.gpuInventory.length}`);
    }
    const now = new Date().toISOString();
    const run: Run = newRun({
      id: newRunId(),
      name: request.name ?? null,
      tags: request.tags ?? [],
      recipe: recipe.name,
      backend: recipe.backend,
      params,
      gpus,
      priority: request.priority ?? recipe.priority,
      seq: lifecycle.nextSeq(),
      created_at: now,
      total_epochs: totalEpochsOf(recipe, params),
      experiment_id: request.experimentId ?? null,
      attempts: [],
      schedule_id: request.scheduleId ?? null,
      retry_policy: recipe.max_retries > 0 ? { max_retries: recipe.max_retries, retry_on: [...recipe.retry_on] } : null,
      ...(request.origin && { origin: request.origin }),
      ...datasets,
    });
    if (!request.start) return lifecycle.create(run, false);
    await lifecycle.create(run, true);
    await this.deps.scheduler.tick();
    return this.get(run.id);
  }

  /** Queues an ad-hoc command as a run of the `process` backend: a slot, GPUs, logs and metrics like any run. */
  async submitCommand(request: CommandRequest): Promise<Run> {
    const { lifecycle } = this.deps;
    if (request.experimentId && !this.deps.experimentExists(request.experimentId)) throw notFound(`Experiment '${request.experimentId}' not found`);
    const gpus = request.gpus ?? 0;
    if (!fitsInventory(this.deps.gpuInventory, gpus))
      throw invalid(`The run asks for ${gpus} GPU${gpus === 1 ? '' : 's'}, but this machine has ${this.deps.gpuInventory.length}`);
    const run: Run = newRun({
      id: newRunId(),
      name: request.name ?? null,
      tags: request.tags ?? [],
      recipe: EXEC_RECIPE,
      backend: 'process',
      params: {},
      gpus,
      priority: request.priority ?? 0,
      seq: lifecycle.nextSeq(),
      created_at: new Date().toISOString(),
      total_epochs: null,
      experiment_id: request.experimentId ?? null,
      retry_policy: null,
      command: request.command,
    });
    await lifecycle.create(run, true);
    await this.deps.scheduler.tick();
    return this.get(run.id);
  }

  /**
   * A tracking-only run goes straight to running: no backend process, no concurrency slot, no GPU.
   * The client logs metrics into it and ends it (`completeTracking`, or stop).
   */
  async submitTracking(request: TrackingRequest): Promise<Run> {
    if (request.experimentId && !this.deps.experimentExists(request.experimentId)) throw notFound(`Experiment '${request.experimentId}' not found`);
    const params = { ...request.params };
    // a tracked run's dataset_name is free text; when it names a registry dataset (or pins a version
    // of one), that dataset's exact version is recorded
    let datasets: Pick<Run, 'dataset_version' | 'datasets'> = {};
    if (typeof params.dataset_name === 'string') {
      const parsed = parseDatasetRef(params.dataset_name);
      const known =
        typeof parsed !== 'string' &&
        (await this.deps.datasets.get(parsed.name).then(
          () => true,
          () => false,
        ));
      if (typeof parsed === 'string' || parsed.version !== null || known) datasets = await this.resolveDatasets(['dataset_name'], params);
    }
    const run = newRun({
      id: newRunId(),
      name: request.name ?? null,
      tags: request.tags ?? [],
      recipe: request.recipe ?? 'tracking',
      backend: TRACKING_BACKEND,
      params,
      gpus: 0,
      priority: 0,
      seq: this.deps.lifecycle.nextSeq(),
      created_at: new Date().toISOString(),
      total_epochs: request.totalEpochs ?? null,
      experiment_id: request.experimentId ?? null,
      tracking_only: true,
      ...datasets,
    });
    return this.deps.executor.track(run);
  }

  /** The client of a tracking-only run says it finished: completed, or failed with a message. */
  async completeTracking(id: string, outcome: { failed: boolean; message?: string | null }): Promise<Run> {
    const run = this.get(id);
    if (!run.tracking_only) throw conflict(`Session ${id} runs a process: it ends when the process does (stop it to end it early)`);
    if (run.state !== 'running') throw conflict(`Cannot complete session ${id}: it is already ${run.state}`, 'invalid_state');
    return this.deps.executor.endTracking(id, {
      state: outcome.failed ? 'failed' : 'completed',
      message: outcome.failed ? (outcome.message ?? 'Reported failed by the client') : null,
    });
  }

  /** Seed 001: start a run that was created without starting. */
  async start(id: string): Promise<Run> {
    this.get(id);
    await this.deps.lifecycle.queue(id);
    await this.deps.scheduler.tick();
    return this.get(id);
  }

  /**
   * Stops a running run (SIGTERM, then SIGKILL after the grace period) and waits for it to end; a
   * queued or created run is cancelled instead, since it has nothing to stop.
   */
  async stop(id: string): Promise<Run> {
    const run = this.get(id);
    if (run.state === 'queued' || run.state === 'created') return this.cancel(id);
    if (run.state !== 'running') throw conflict(`Cannot stop session ${id}: it is already ${run.state}`, 'invalid_state');
    if (run.tracking_only) return this.deps.executor.endTracking(id, { state: 'stopped', message: null });
    const request = await this.deps.lifecycle.requestStop(id);
    if (request.first) await this.deps.executor.requestStop(request.run);
    const done = this.deps.executor.whenFinished(id);
    if (done) await Promise.race([done, delay(this.deps.stopWaitMs)]);
    return this.get(id);
  }

  async cancel(id: string): Promise<Run> {
    this.get(id);
    return this.deps.lifecycle.cancel(id);
  }

  /**
   * Deletes a run that is not queued or running (409): its record and its files (log, metrics, output).
   * What it registered (checkpoints, models) is the caller's to keep, or to delete in `before`.
   */
  async delete(id: string, before?: (run: Run) => Promise<void>): Promise<Run> {
    const run = this.get(id);
    if (run.state === 'queued' || run.state === 'running') throw conflict(`Session ${id} is ${run.state}: stop it before deleting it`);
    await before?.(run);
    await this.deps.lifecycle.remove(id);
    await rm(this.deps.files.paths.dir(id), { recursive: true, force: true, maxRetries: 3 });
    return run;
  }

  /** Records the chat thread that carries a chat-started run's updates, so that a restarted agent keeps posting there. */
  async setOriginThread(id: string, thread: string): Promise<Run> {
    this.get(id);
    return this.deps.lifecycle.setOriginThread(id, thread);
  }

  get(id: string): Run {
    const run = this.deps.lifecycle.find(id);
    if (!run) throw notFound(`Session '${id}' not found`, 'run_not_found');
    return run;
  }

  /** The run, or null when there is none by that id. */
  find(id: string): Run | null {
    return this.deps.lifecycle.find(id) ?? null;
  }

  /** The run slots (1..limit) and GPUs: which run holds each, and how many runs each slot has completed. */
  workers(limit: number): { slot: number; session_id: string | null; recipe: string | null; gpu_ids: number[]; completed_runs: number }[] {
    const completed = new Map<number, number>();
    const holders = new Map<number, Run>();
    for (const run of this.deps.lifecycle.runs) {
      if (run.slot == null) continue;
      if (run.state === 'completed') completed.set(run.slot, (completed.get(run.slot) ?? 0) + 1);
      if (run.state === 'running') holders.set(run.slot, run);
    }
    const slots = Math.max(limit, ...holders.keys());
    return Array.from({ length: slots }, (_, index) => {
      const slot = index + 1;
      const holder = holders.get(slot);
      return { slot, session_id: holder?.id ?? null, recipe: holder?.recipe ?? null, gpu_ids: holder?.gpu_ids ?? [], completed_runs: completed.get(slot) ?? 0 };
    });
  }

  /** Newest first. */
  list(query: ListQuery): { runs: Run[]; total: number } {
    const matching = this.deps.lifecycle.runs.filter(
      (run) => (!query.state || run.state === query.state) && (!query.states || query.states.includes(run.state)),
    );
    const newestFirst = [...matching].sort((a, b) => b.seq - a.seq);
    return { runs: newestFirst.slice(query.offset, query.limit === undefined ? undefined : query.offset + query.limit), total: matching.length };
  }

  /** Every run the agent knows, in no particular order (for scrapes that pick their own). */
  all(): readonly Run[] {
    return this.deps.lifecycle.runs;
  }

  countByState(): Partial<Record<RunState, number>> {
    const counts: Partial<Record<RunState, number>> = {};
    for (const run of this.deps.lifecycle.runs) counts[run.state] = (counts[run.state] ?? 0) + 1;
    return counts;
  }

  /** GPU index → the running run that holds it. */
  gpuHolders(): Map<number, string> {
    const holders = new Map<number, string>();
    for (const run of this.deps.lifecycle.runs) if (run.state === 'running') for (const index of run.gpu_ids) holders.set(index, run.id);
    return holders;
  }

  /** Queued runs in the order they will start. */
  queue(): Run[] {
    return this.deps.scheduler.queued();
  }

  queuePosition(id: string): number | null {
    const index = this.queue().findIndex((run) => run.id === id);
    return index === -1 ? null : index + 1;
  }

  async latestMetrics(id: string): Promise<MetricRecord | null> {
    this.get(id);
    const live = this.deps.executor.latestMetrics(id);
    if (live !== undefined) return live;
    return latestMetrics((await this.deps.files.tailMetrics(id, 50)).records);
  }

  /**
   * One metric comes from the columnar index (no JSON parsing); every metric from the file, scanned a
   * chunk at a time and sampled as it goes (memory bounded by the points asked for, not the run's size).
   */
  async metricHistory(id: string, query: MetricQuery = {}): Promise<MetricRecord[]> {
    this.get(id);
    if (query.metricName) return this.deps.metricIndex.query(id, query.metricName, query);
    const sample = new StreamingMetricQuery(query);
    await this.deps.files.scanMetrics(id, (record) => sample.add(record));
    return sample.result();
  }

  /** Seed 002: per metric its current, min, max, mean and count, kept up to date at ingestion. */
  async metricSummary(id: string): Promise<Record<string, MetricSummary>> {
    this.get(id);
    return this.deps.metricIndex.summary(id);
  }

  /** Seed 002: a script running anywhere reports metrics into a running run. */
  async logMetrics(id: string, points: readonly { metrics: Record<string, number | string>; step?: number; epoch?: number }[]): Promise<number> {
    const run = this.get(id);
    if (run.state !== 'running') throw conflict(`Session ${id} is ${run.state}: metrics can only be logged to a running session`, 'invalid_state');
    const ts = new Date().toISOString();
    const records: MetricRecord[] = points.map((point) => ({
      ts,
      ...(point.epoch !== undefined && { epoch: point.epoch }),
      ...(point.step !== undefined && { step: point.step }),
      ...point.metrics,
    }));
    await this.deps.files.appendMetrics(id, records);
    return records.length;
  }

  async logs(id: string, options: { limit: number; cursor?: number }): Promise<LogPage> {
    this.get(id);
    return options.cursor === undefined ? this.deps.files.tailLogs(id, options.limit) : this.deps.files.logsAfter(id, options.cursor, options.limit);
  }

  /** The last `limit` lines the run's process printed, on one stream or both (the agent's own lines left out). */
  async outputLines(id: string, options: { stream?: 'stdout' | 'stderr'; limit: number }): Promise<LogRecord[]> {
    this.get(id);
    const { files } = this.deps;
    const kept: LogRecord[] = [];
    await files.readRange<LogRecord>(id, 'log', 0, await files.logEnd(id), (records) => {
      for (const record of records) if (options.stream ? record.stream === options.stream : record.stream !== 'agent') kept.push(record);
      if (kept.length > options.limit * 2) kept.splice(0, kept.length - options.limit);
    });
    return kept.slice(-options.limit);
  }

  isFinished(run: Run): boolean {
    return isFinal(run.state);
  }

  private async validateTogether(recipe: Recipe, params: Record<string, unknown>): Promise<void> {
    if (!recipe.validator) return;
    const validate = this.deps.validators?.[recipe.validator];
    if (!validate) throw invalid(`Recipe '${recipe.name}' asks for the '${recipe.validator}' parameter check, which this agent does not have`);
    await validate(params);
  }

  /**
   * Each dataset parameter (`iris`, or `iris@<sha256 prefix>` to pin a version) must name a dataset
   * (404) and, when pinned, a version it has (422). The parameter keeps the bare name; the run records
   * the exact version, so that it says what it trained on whatever is uploaded later.
   */
  private async resolveDatasets(names: readonly string[], params: Record<string, unknown>): Promise<Pick<Run, 'dataset_version' | 'datasets'>> {
    if (names.length === 0) return {};
    const datasets: NonNullable<Run['datasets']> = {};
    for (const name of names) {
      const resolved = await this.deps.datasets.resolve(String(params[name])).catch(async (error: unknown) => {
        if (!(error instanceof AppError) || error.code !== ErrorCode.NotFound) throw error;
        const known = (await this.deps.datasets.list()).map((dataset) => dataset.name);
        throw notFound(`${error.message}. Datasets: ${known.join(', ')} (upload one with POST /api/v1/datasets?dataset_name=<name>)`);
      });
      params[name] = resolved.name;
      datasets[name] = { name: resolved.name, version: resolved.version };
    }
    return { dataset_version: (datasets.dataset_name ?? datasets[names[0]!])!.version, datasets };
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
