import { randomBytes } from 'node:crypto';
import { bestTrial, DEFAULT_GRID_POINTS, gridSize, MAX_GRID_SIZE, sampleTrial, searchSpaceProblems, type Direction, type Sampler, type SearchSpace, type StudyRecord, type Trial } from '../domain/hpo.js';
import { resolveParams } from '../domain/recipe.js';
import { isFinal, type Run } from '../domain/run.js';
import { conflict, invalid, notFound } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../plugins/contract.js';
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
}

export interface StudyView extends StudyRecord {
  /** Seed 004: how many trials have been started so far. */
  trials_started: number;
  trials_completed: number;
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

  constructor(private readonly deps: { store: StudyStore; runs: RunService; recipes: RecipeCatalog; events: EventBus; logger: Logger }) {
    const onRunEnd = ({ run }: { run: Run }) => {
      const study = this.deps.store.all.find((candidate) => candidate.trials.some((trial) => trial.run_id === run.id && trial.state === 'running'));
      if (study) void this.enqueue(() => this.advance(study.id));
    };
    deps.events.on('run.finished', onRunEnd);
    deps.events.on('run.cancelled', onRunEnd);
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
    if (study.state !== 'running') throw conflict(`Study ${id} is already ${study.state}`);
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
    const trials = study.trials.map((trial) => {
      if (trial.state !== 'running' || !trial.run_id) return trial;
      const run = this.findRun(trial.run_id);
      if (run && !isFinal(run.state)) return trial;
      changed = true;
      return { ...trial, ...this.outcome(study, run) };
    });
    if (changed) await this.deps.store.save({ ...study, trials });
  }

  private outcome(study: StudyRecord, run: Run | null): Pick<Trial, 'state' | 'value' | 'ended_at' | 'error'> {
    const ended_at = run?.ended_at ?? new Date().toISOString();
    if (!run) return { state: 'failed', value: null, ended_at, error: 'Its run no longer exists' };
    if (run.state === 'stopped' || run.state === 'cancelled') return { state: 'stopped', value: null, ended_at, error: null };
    if (run.state !== 'completed') return { state: 'failed', value: null, ended_at, error: `Its run ${run.state}${run.error_message ? `: ${run.error_message}` : ''}` };
    const value = run.final_metrics?.[study.metric];
    if (typeof value !== 'number' || !Number.isFinite(value)) return { state: 'failed', value: null, ended_at, error: `Its run completed without a finite '${study.metric}' (got ${JSON.stringify(value ?? null)})` };
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
    const middle = Object.fromEntries(Object.entries(space).map(([name, dimension]) => [name, dimension.type === 'categorical' ? dimension.choices[0] : dimension.low]));
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
      best_value: best?.value ?? null,
      best_params: best?.params ?? null,
      best_trial: best?.number ?? null,
    };
  }
}
