import { fitsInventory } from '../domain/gpu-allocation.js';
import { latestMetrics } from '../domain/latest-metrics.js';
import { resolveParams, totalEpochsOf, type Recipe } from '../domain/recipe.js';
import { newRunId } from '../domain/run-id.js';
import { isFinal, transition, type Run, type RunState } from '../domain/run.js';
import { conflict, invalid, notFound } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import type { PluginRegistry } from '../plugins/plugin-registry.js';
import type { LogPage, RunFiles } from '../store/run-files.js';
import type { MetricRecord } from '../domain/run-records.js';
import { queryMetrics, type MetricQuery } from './metric-query.js';
import type { MetricIndex, MetricSummary } from '../store/metric-index.js';
import type { StateStore } from '../store/state-store.js';
import type { DatasetCatalog } from './dataset-catalog.js';
import type { RecipeCatalog } from './recipe-catalog.js';
import type { RunExecutor } from './run-executor.js';
import type { Scheduler } from './scheduler.js';

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
}

export interface ListQuery {
  state?: RunState;
  limit: number;
  offset: number;
}

export interface RunServiceDeps {
  store: StateStore;
  recipes: RecipeCatalog;
  datasets: DatasetCatalog;
  registry: PluginRegistry;
  files: RunFiles;
  metricIndex: MetricIndex;
  executor: RunExecutor;
  scheduler: Scheduler;
  events: EventBus;
  gpuInventory: readonly number[];
  /** The default recipe and its default parameters now (they can change at runtime). */
  defaults: () => { recipe: string; params: Record<string, unknown> };
  experimentExists: (id: string) => boolean;
  stopWaitMs: number;
}

/** The one application service for runs: REST, CLI, chat and cron all come through here. */
export class RunService {
  constructor(private readonly deps: RunServiceDeps) {}

  get defaultRecipe(): string {
    return this.deps.defaults().recipe;
  }

  async submit(request: SubmitRequest): Promise<Run> {
    const { store, events } = this.deps;
    const defaults = this.deps.defaults();
    const recipe = this.deps.recipes.get(request.recipe ?? defaults.recipe);
    if (request.experimentId && !this.deps.experimentExists(request.experimentId)) throw notFound(`Experiment '${request.experimentId}' not found`);
    if (!this.deps.registry.has('backend', recipe.backend)) {
      throw invalid(`Recipe '${recipe.name}' uses backend '${recipe.backend}', which is not loaded`);
    }
    const params = resolveParams(recipe, { ...(recipe.name === defaults.recipe ? defaults.params : {}), ...request.params });
    await this.checkDatasets(recipe, params);
    const gpus = request.gpus ?? recipe.gpus;
    if (!this.deps.executor.backendManagesGpus(recipe.backend) && !fitsInventory(this.deps.gpuInventory, gpus)) {
      throw invalid(`The run asks for ${gpus} GPU${gpus === 1 ? '' : 's'}, but this machine has ${this.deps.gpuInventory.length}`);
    }
    const now = new Date().toISOString();
    let run: Run = {
      id: newRunId(),
      name: request.name ?? null,
      tags: request.tags ?? [],
      recipe: recipe.name,
      backend: recipe.backend,
      params,
      gpus,
      gpu_ids: [],
      priority: request.priority ?? recipe.priority,
      state: 'created',
      seq: store.takeSeq(),
      created_at: now,
      queued_at: null,
      started_at: null,
      ended_at: null,
      current_epoch: null,
      total_epochs: totalEpochsOf(recipe, params),
      exit_code: null,
      end_reason: null,
      error_message: null,
      stop_requested: false,
      handle: null,
      slot: null,
      experiment_id: request.experimentId ?? null,
      final_metrics: null,
      attempts: [],
      schedule_id: request.scheduleId ?? null,
      retry_policy: recipe.max_retries > 0 ? { max_retries: recipe.max_retries, retry_on: [...recipe.retry_on] } : null,
    };
    if (!request.start) {
      await store.saveRun(run);
      events.emit('run.created', { run });
      return run;
    }
    run = transition(run, 'queued', new Date());
    await store.saveRun(run);
    events.emit('run.queued', { run });
    await this.deps.scheduler.tick();
    return this.get(run.id);
  }

  /** Seed 001: start a run that was created without starting. */
  async start(id: string): Promise<Run> {
    const run = this.get(id);
    const queued = transition(run, 'queued', new Date());
    await this.deps.store.saveRun(queued);
    this.deps.events.emit('run.queued', { run: queued });
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
    if (run.state !== 'running') throw conflict(`Cannot stop session ${id}: it is already ${run.state}`);
    if (!run.stop_requested) {
      await this.deps.store.saveRun({ ...run, stop_requested: true });
      await this.deps.executor.requestStop(this.get(id));
    }
    const done = this.deps.executor.whenFinished(id);
    if (done) await Promise.race([done, delay(this.deps.stopWaitMs)]);
    return this.get(id);
  }

  async cancel(id: string): Promise<Run> {
    const run = this.get(id);
    if (run.state !== 'queued' && run.state !== 'created') {
      throw conflict(`Cannot cancel session ${id}: only queued sessions can be cancelled, and it is ${run.state}`);
    }
    const cancelled = transition(run, 'cancelled', new Date(), { end_reason: 'cancelled' });
    await this.deps.store.saveRun(cancelled);
    this.deps.events.emit('run.cancelled', { run: cancelled });
    return cancelled;
  }

  get(id: string): Run {
    const run = this.deps.store.getRun(id);
    if (!run) throw notFound(`Session '${id}' not found`);
    return run;
  }

  /** The run slots (1..limit) and GPUs: which run holds each, and how many runs each slot has completed. */
  workers(limit: number): { slot: number; session_id: string | null; recipe: string | null; gpu_ids: number[]; completed_runs: number }[] {
    const completed = new Map<number, number>();
    const holders = new Map<number, Run>();
    for (const run of this.deps.store.runs) {
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
    const matching = this.deps.store.runs.filter((run) => !query.state || run.state === query.state);
    const newestFirst = [...matching].sort((a, b) => b.seq - a.seq);
    return { runs: newestFirst.slice(query.offset, query.offset + query.limit), total: matching.length };
  }

  countByState(): Partial<Record<RunState, number>> {
    const counts: Partial<Record<RunState, number>> = {};
    for (const run of this.deps.store.runs) counts[run.state] = (counts[run.state] ?? 0) + 1;
    return counts;
  }

  /** GPU index → the running run that holds it. */
  gpuHolders(): Map<number, string> {
    const holders = new Map<number, string>();
    for (const run of this.deps.store.runs) if (run.state === 'running') for (const index of run.gpu_ids) holders.set(index, run.id);
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

  /** One metric comes from the columnar index (no JSON parsing); the whole history from the file. */
  async metricHistory(id: string, query: MetricQuery = {}): Promise<MetricRecord[]> {
    this.get(id);
    if (query.metricName) return this.deps.metricIndex.query(id, query.metricName, query);
    return queryMetrics(await this.deps.files.readMetrics(id), query);
  }

  /** Seed 002: per metric its current, min, max, mean and count, kept up to date at ingestion. */
  async metricSummary(id: string): Promise<Record<string, MetricSummary>> {
    this.get(id);
    return this.deps.metricIndex.summary(id);
  }

  /** Seed 002: a script running anywhere reports metrics into a running run. */
  async logMetrics(id: string, points: readonly { metrics: Record<string, number | string>; step?: number; epoch?: number }[]): Promise<number> {
    const run = this.get(id);
    if (run.state !== 'running') throw conflict(`Session ${id} is ${run.state}: metrics can only be logged to a running session`);
    const ts = new Date().toISOString();
    const records: MetricRecord[] = points.map((point) => ({ ts, ...(point.epoch !== undefined && { epoch: point.epoch }), ...(point.step !== undefined && { step: point.step }), ...point.metrics }));
    await this.deps.files.appendMetrics(id, records);
    return records.length;
  }

  async logs(id: string, options: { limit: number; cursor?: number }): Promise<LogPage> {
    this.get(id);
    return options.cursor === undefined ? this.deps.files.tailLogs(id, options.limit) : this.deps.files.logsAfter(id, options.cursor, options.limit);
  }

  isFinished(run: Run): boolean {
    return isFinal(run.state);
  }

  private async checkDatasets(recipe: Recipe, params: Record<string, unknown>): Promise<void> {
    for (const [name, spec] of Object.entries(recipe.params)) {
      if (spec.type !== 'dataset') continue;
      await this.deps.datasets.get(String(params[name]));
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

