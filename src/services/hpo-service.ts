import { randomBytes } from 'node:crypto';
import {
  bestTrial,
  DEFAULT_GRID_POINTS,
  gridSize,
  MAX_GRID_SIZE,
  sampleTrial,
  searchSpaceProblems,
  shouldPrune,
  type Direction,
  type Pruner,
  type Sampler,
  type SearchSpace,
  type StudyRecord,
  type Trial,
} from '../domain/hpo.js';
import type { MetricRecord } from '../domain/run-records.js';
import { resolveParams } from '../domain/recipe.js';
import { isFinal, type Run } from '../domain/run.js';
import { conflict, invalid, notFound } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../logging/logger.js';
import type { StudyStore } from '../store/study-store.js';
import type { RecipeCatalog } from './recipe-catalog.js';
import type { RunService } from './run-service.js';

export interface CreateStudyInput {
  name: string;
  recipe: string;
  params?: Record<string, unknown>;
  search_space: SearchSpace;
  objective: Direction;
  metric: string;
  n_trials: number;
  parallelism: number;
  sampler: Sampler;
  seed?: number;
  grid_points?: number;
  pruner?: Pruner;
  pruner_warmup_epochs?: number;
  pruner_min_trials?: number;
}

export interface StudyView extends StudyRecord {
  /** Seed 004: how many trials have been started so far. */
  trials_started: number;
  trials_completed: number;
  trials_pruned: number;
  best_value: number | null;
  best_params: Record<string, number | string | boolean> | null;
  best_trial: number | null;
}

/**
 * Runs studies: keeps up to `parallelism` trial runs submitted, records each trial's objective when its
 * run ends, and finishes the study after `n_trials`. Everything is persisted after each step, so a
 * study goes on after an agent restart (its running trials are ordinary runs, re-attached by the executor).
 */
export class HpoService {
  /** Steps never interleave: each sees what the previous one saved. */
  private step: Promise<void> = Promise.resolve();
  private closing = false;
  /** Running trials' objective per epoch, from their metrics as they arrive (for the pruner). */
  private readonly curves = new Map<string, Map<number, number>>();

  constructor(private readonly deps: { store: StudyStore; runs: RunService; recipes: RecipeCatalog; events: EventBus; logger: Logger }) {
    const onRunEnd = ({ run }: { run: Run }) => {
      const study = this.deps.store.all.find((candidate) => candidate.trials.some((trial) => trial.run_id === run.id && trial.state === 'running'));
      if (study) void this.enqueue(() => this.advance(study.id));
    };
    deps.events.on('run.finished', onRunEnd);
    deps.events.on('run.cancelled', onRunEnd);
    deps.events.on('run.metrics', ({ runId, records }) => this.onMetrics(runId, records));
  }

  /** Follows the objective of trials under a pruner; a trial the median rule condemns is stopped. */
  private onMetrics(runId: string, records: readonly MetricRecord[]): void {
    const study = this.deps.store.all.find(
      (candidate) => candidate.state === 'running' && candidate.pruner === 'median' && candidate.trials.some((trial) => trial.run_id === runId),
    );
    const trial = study?.trials.find((candidate) => candidate.run_id === runId);
    if (!study || !trial || trial.state !== 'running' || trial.prune_requested) return;
    const curve = this.curves.get(runId) ?? new Map<number, number>();
    this.curves.set(runId, curve);
    let latestEpoch: number | null = null;
    for (const record of records) {
      const value = record[study.metric];
      if (typeof record.epoch !== 'number' || typeof value !== 'number' || !Number.isFinite(value)) continue;
      curve.set(record.epoch, value);
      latestEpoch = record.epoch;
    }
    if (latestEpoch !== null && shouldPrune(study, curve, latestEpoch)) void this.enqueue(() => this.prune(study.id, runId, latestEpoch!));
  }

  private async prune(studyId: string, runId: string, epoch: number): Promise<void> {
    const study = this.deps.store.get(studyId);
    const trial = study?.trials.find((candidate) => candidate.run_id === runId);
    if (!study || !trial || trial.state !== 'running' || trial.prune_requested) return;
    this.deps.logger.info('pruning a trial (median rule)', { study: studyId, trial: trial.number, epoch });
    await this.deps.store.save({
      ...study,
      trials: study.trials.map((candidate) => (candidate === trial ? { ...candidate, prune_requested: true } : candidate)),
    });
    // not awaited: the stop waits for the run to end, whose event comes back through this queue
    this.deps.runs.stop(runId).catch((error: Error) => this.deps.logger.error('could not stop a pruned trial', { run: runId, error: error.message }));
  }

  /** After a restart: trials whose runs ended meanwhile are recorded, and every running study is topped up. */
  start(): Promise<void> {
    return this.enqueue(async () => {
      for (const study of this.deps.store.all.filter((candidate) => candidate.state === 'running')) await this.advance(study.id);
    });
  }

  async create(input: CreateStudyInput): Promise<StudyView> {
    const problems = searchSpaceProblems(input.search_space);
    if (!this.deps.recipes.has(input.recipe)) problems.push(`recipe: '${input.recipe}' does not exist`);
    if (problems.length > 0) throw invalid(problems.join('; '));
    const recipe = this.deps.recipes.get(input.recipe);
    const fixed = { ...(input.params ?? {}) };
    for (const name of Object.keys(input.search_space)) {
      if (name in fixed) throw invalid(`params: '${name}' is also in the search space`);
    }
    const gridPoints = input.grid_points ?? DEFAULT_GRID_POINTS;
    let nTrials = input.n_trials;
    if (input.sampler === 'grid') {
      const size = gridSize(input.search_space, gridPoints);
      if (size > MAX_GRID_SIZE) throw invalid(`The grid has ${size} points (more than ${MAX_GRID_SIZE}): narrow it or use the random sampler`);
      nTrials = Math.min(nTrials, size);
    }
    const draft = { search_space: input.search_space, sampler: input.sampler, seed: input.seed ?? randomBytes(4).readUInt32BE(0), grid_points: gridPoints };
    // the search space's extremes must be values the recipe accepts, or every trial would be refused
    for (const corner of this.extremes(input.search_space)) resolveParams(recipe, { ...fixed, ...corner });
    resolveParams(recipe, { ...fixed, ...sampleTrial(draft, 0) });
    const study: StudyRecord = {
      id: `study_${randomBytes(6).toString('hex')}`,
      name: input.name,
      recipe: recipe.name,
      params: fixed,
      ...draft,
      objective: input.objective,
      metric: input.metric,
      n_trials: nTrials,
      parallelism: input.parallelism,
      pruner: input.pruner ?? 'none',
      pruner_warmup_epochs: input.pruner_warmup_epochs ?? 1,
      pruner_min_trials: input.pruner_min_trials ?? 3,
      state: 'running',
      created_at: new Date().toISOString(),
      ended_at: null,
      trials: [],
    };
    await this.deps.store.save(study);
    await this.enqueue(() => this.advance(study.id));
    return this.get(study.id);
  }

  list(): StudyView[] {
    return this.deps.store.all.map((study) => this.view(study));
  }

  get(id: string): StudyView {
    return this.view(this.record(id));
  }

  /** Stops the study: no new trials; its queued and running trial runs are stopped. */
  async stop(id: string): Promise<StudyView> {
    const study = this.record(id);
    if (study.state !== 'running') throw conflict(`Study ${id} is already ${study.state}`, 'invalid_state');
    await this.enqueue(async () => {
      const current = this.record(id);
      await this.deps.store.save({ ...current, state: 'stopped', ended_at: new Date().toISOString() });
    });
    const active = study.trials.filter((trial) => trial.state === 'running' && trial.run_id);
    await Promise.all(active.map((trial) => this.deps.runs.stop(trial.run_id!).catch(() => {})));
    await this.enqueue(() => this.recordEndedTrials(id));
    return this.get(id);
  }

  /** Deletes the study (stopping it first); its runs are kept. */
  async delete(id: string): Promise<void> {
    if (this.record(id).state === 'running') await this.stop(id);
    await this.enqueue(async () => {
      await this.deps.store.delete(id);
    });
  }

  /** The agent is going away: no new trials; resolves when the step in progress is done. The next agent resumes. */
  close(): Promise<void> {
    this.closing = true;
    return this.enqueue(async () => {});
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.step.then(work);
    this.step = next.catch((error: Error) => this.deps.logger.error('HPO step failed', { error: error.message }));
    return next;
  }

  /** Records trials whose runs have ended, then submits trials while there is room. */
  private async advance(id: string): Promise<void> {
    if (this.closing) return;
    await this.recordEndedTrials(id);
    let study = this.deps.store.get(id);
    while (study && study.state === 'running') {
      const active = study.trials.filter((trial) => trial.state === 'running').length;
      if (study.trials.length >= study.n_trials) {
        if (active === 0) await this.deps.store.save({ ...study, state: 'completed', ended_at: new Date().toISOString() });
        return;
      }
      if (active >= study.parallelism) return;
      study = await this.submitTrial(study);
    }
  }

  private async submitTrial(study: StudyRecord): Promise<StudyRecord> {
    const number = study.trials.length;
    const params = sampleTrial(study, number);
    const trial: Trial = { number, params, run_id: null, state: 'running', value: null, started_at: new Date().toISOString(), ended_at: null, error: null };
    try {
      const run = await this.deps.runs.submit({ recipe: study.recipe, params: { ...study.params, ...params }, name: `${study.name} #${number}`, start: true });
      trial.run_id = run.id;
    } catch (error) {
      Object.assign(trial, { state: 'failed', ended_at: new Date().toISOString(), error: `Could not start the trial's run: ${(error as Error).message}` });
    }
    // read again: the run may have ended (and been recorded) while it was being submitted
    const current = this.deps.store.get(study.id) ?? study;
    const updated = { ...current, trials: [...current.trials, trial] };
    await this.deps.store.save(updated);
    if (trial.run_id && isFinal(this.deps.runs.get(trial.run_id).state)) await this.recordEndedTrials(study.id);
    return this.deps.store.get(study.id)!;
  }

  private async recordEndedTrials(id: string): Promise<void> {
    const study = this.deps.store.get(id);
    if (!study) return;
    let changed = false;
    const trials: Trial[] = [];
    for (const trial of study.trials) {
      const run = trial.state === 'running' && trial.run_id ? this.findRun(trial.run_id) : undefined;
      if (run === undefined || (run && !isFinal(run.state))) {
        trials.push(trial);
        continue;
      }
      changed = true;
      const intermediate = run ? await this.intermediate(study.metric, run.id) : undefined;
      this.curves.delete(trial.run_id!);
      trials.push({ ...trial, ...this.outcome(study, run, trial.prune_requested === true), ...(intermediate && { intermediate }) });
    }
    if (changed) await this.deps.store.save({ ...study, trials });
  }

  /** The objective per epoch in the run's metric history (empty when it reported none by epoch). */
  private async intermediate(metric: string, runId: string): Promise<Record<string, number> | undefined> {
    try {
      const points = await this.deps.runs.metricHistory(runId, { metricName: metric });
      const curve: Record<string, number> = {};
      for (const point of points) {
        const value = point[metric];
        if (typeof point.epoch === 'number' && typeof value === 'number' && Number.isFinite(value)) curve[String(point.epoch)] = value;
      }
      return Object.keys(curve).length > 0 ? curve : undefined;
    } catch {
      return undefined;
    }
  }

  private outcome(study: StudyRecord, run: Run | null, pruned: boolean): Pick<Trial, 'state' | 'value' | 'ended_at' | 'error'> {
    const ended_at = run?.ended_at ?? new Date().toISOString();
    if (!run) return { state: 'failed', value: null, ended_at, error: 'Its run no longer exists' };
    if (pruned && run.state !== 'completed') return { state: 'pruned', value: null, ended_at, error: null };
    if (run.state === 'stopped' || run.state === 'cancelled') return { state: 'stopped', value: null, ended_at, error: null };
    if (run.state !== 'completed')
      return { state: 'failed', value: null, ended_at, error: `Its run ${run.state}${run.error_message ? `: ${run.error_message}` : ''}` };
    const value = run.final_metrics?.[study.metric];
    if (typeof value !== 'number' || !Number.isFinite(value))
      return { state: 'failed', value: null, ended_at, error: `Its run completed without a finite '${study.metric}' (got ${JSON.stringify(value ?? null)})` };
    return { state: 'completed', value, ended_at, error: null };
  }

  private findRun(id: string): Run | null {
    try {
      return this.deps.runs.get(id);
    } catch {
      return null;
    }
  }

  /** The low and high of every numeric dimension and every choice, one dimension at a time. */
  private extremes(space: SearchSpace): Record<string, unknown>[] {
    const corners: Record<string, unknown>[] = [];
    const middle = Object.fromEntries(
      Object.entries(space).map(([name, dimension]) => [name, dimension.type === 'categorical' ? dimension.choices[0] : dimension.low]),
    );
    for (const [name, dimension] of Object.entries(space)) {
      const values = dimension.type === 'categorical' ? dimension.choices : [dimension.low, dimension.high];
      for (const value of values) corners.push({ ...middle, [name]: value });
    }
    return corners;
  }

  private record(id: string): StudyRecord {
    const study = this.deps.store.get(id);
    if (!study) throw notFound(`Study '${id}' not found`);
    return study;
  }

  private view(study: StudyRecord): StudyView {
    const best = bestTrial(study);
    return {
      ...study,
      trials_started: study.trials.length,
      trials_completed: study.trials.filter((trial) => trial.state === 'completed').length,
      trials_pruned: study.trials.filter((trial) => trial.state === 'pruned').length,
      best_value: best?.value ?? null,
      best_params: best?.params ?? null,
      best_trial: best?.number ?? null,
    };
  }
}
