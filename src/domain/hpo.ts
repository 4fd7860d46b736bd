/** Hyperparameter studies (seed 004's HPO): trials are normal runs of one recipe with sampled parameters. */
import { seededRandom } from './seeded-random.js';

export type Dimension =
  | { type: 'float'; low: number; high: number; log?: boolean; step?: number }
  | { type: 'int'; low: number; high: number; log?: boolean; step?: number }
  | { type: 'categorical'; choices: (number | string | boolean)[] };
export type SearchSpace = Record<string, Dimension>;

export const SAMPLERS = ['random', 'grid'] as const;
export type Sampler = (typeof SAMPLERS)[number];
export const DIRECTIONS = ['minimize', 'maximize'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export const PRUNERS = ['none', 'median'] as const;
export type Pruner = (typeof PRUNERS)[number];

export type TrialState = 'running' | 'completed' | 'failed' | 'stopped' | 'pruned';
export type StudyState = 'running' | 'completed' | 'stopped';

export interface Trial {
  number: number;
  params: Record<string, number | string | boolean>;
  run_id: string | null;
  state: TrialState;
  /** The objective metric's last value when the trial's run completed. */
  value: number | null;
  started_at: string;
  ended_at: string | null;
  /** Why it has no value (its run failed, or never reported the metric). */
  error: string | null;
  /** The objective metric per epoch, recorded when the trial ends (what the median pruner compares). */
  intermediate?: Record<string, number>;
  /** The pruner stopped its run: it ends `pruned`, not `stopped`. */
  prune_requested?: boolean;
}

export interface StudyRecord {
  id: string;
  name: string;
  recipe: string;
  /** Parameters every trial gets; the search space's parameters are added per trial. */
  params: Record<string, unknown>;
  search_space: SearchSpace;
  objective: Direction;
  metric: string;
  n_trials: number;
  parallelism: number;
  sampler: Sampler;
  seed: number;
  /** Points per float dimension for the grid sampler when the dimension has no step. */
  grid_points: number;
  /** `median`: a trial whose best value so far is worse than the median of completed trials' at the same epoch is stopped. */
  pruner?: Pruner;
  /** Epochs a trial runs before the pruner may stop it. */
  pruner_warmup_epochs?: number;
  /** Completed trials needed before the pruner stops any. */
  pruner_min_trials?: number;
  state: StudyState;
  created_at: string;
  ended_at: string | null;
  trials: Trial[];
}

/** Grid points of float dimensions without a step, by default. */
export const DEFAULT_GRID_POINTS = 5;
/** A grid larger than this is refused: enumerate fewer values or use the random sampler. */
export const MAX_GRID_SIZE = 100_000;

/** Each trial's draws depend only on the study's seed and the trial's number: a study resumed after a restart samples the same points. */
function trialRandom(seed: number, trial: number): () => number {
  return seededRandom(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(trial + 1, 0xc2b2ae35));
}

const tidy = (value: number): number => Number(value.toPrecision(8));

function sampleDimension(dimension: Dimension, random: () => number): number | string | boolean {
  const u = random();
  switch (dimension.type) {
    case 'categorical':
      return dimension.choices[Math.min(dimension.choices.length - 1, Math.floor(u * dimension.choices.length))]!;
    case 'float': {
      if (dimension.step)
        return tidy(dimension.low + dimension.step * Math.floor(u * (Math.floor((dimension.high - dimension.low) / dimension.step + 1e-9) + 1)));
      const value = dimension.log
        ? Math.exp(Math.log(dimension.low) + u * (Math.log(dimension.high) - Math.log(dimension.low)))
        : dimension.low + u * (dimension.high - dimension.low);
      return tidy(Math.min(dimension.high, Math.max(dimension.low, value)));
    }
    case 'int': {
      const step = dimension.step ?? 1;
      if (dimension.log) {
        const value = Math.floor(Math.exp(Math.log(dimension.low) + u * (Math.log(dimension.high + 1) - Math.log(dimension.low))));
        return Math.min(dimension.high, Math.max(dimension.low, value));
      }
      const count = Math.floor((dimension.high - dimension.low) / step) + 1;
      return dimension.low + step * Math.min(count - 1, Math.floor(u * count));
    }
  }
}

/** The values a grid takes along one dimension. */
export function gridValues(dimension: Dimension, gridPoints: number): (number | string | boolean)[] {
  switch (dimension.type) {
    case 'categorical':
      return [...dimension.choices];
    case 'int': {
      const step = dimension.step ?? 1;
      const values: number[] = [];
      for (let value = dimension.low; value <= dimension.high && values.length <= MAX_GRID_SIZE; value += step) values.push(value);
      return values;
    }
    case 'float': {
      if (dimension.step) {
        const count = Math.floor((dimension.high - dimension.low) / dimension.step + 1e-9) + 1;
        return Array.from({ length: Math.min(count, MAX_GRID_SIZE + 1) }, (_, index) => tidy(dimension.low + index * dimension.step!));
      }
      if (gridPoints === 1) return [dimension.low];
      return Array.from({ length: gridPoints }, (_, index) => {
        const fraction = index / (gridPoints - 1);
        return tidy(
          dimension.log
            ? Math.exp(Math.log(dimension.low) + fraction * (Math.log(dimension.high) - Math.log(dimension.low)))
            : dimension.low + fraction * (dimension.high - dimension.low),
        );
      });
    }
  }
}

export function gridSize(space: SearchSpace, gridPoints: number): number {
  return Object.values(space).reduce((size, dimension) => size * gridValues(dimension, gridPoints).length, 1);
}

/** Trial `n`'s parameters: the n-th grid point (the last dimension varies fastest), or a seeded random draw. */
export function sampleTrial(
  study: Pick<StudyRecord, 'search_space' | 'sampler' | 'seed' | 'grid_points'>,
  n: number,
): Record<string, number | string | boolean> {
  const names = Object.keys(study.search_space);
  const params: Record<string, number | string | boolean> = {};
  if (study.sampler === 'grid') {
    let rest = n;
    for (const name of [...names].reverse()) {
      const values = gridValues(study.search_space[name]!, study.grid_points);
      params[name] = values[rest % values.length]!;
      rest = Math.floor(rest / values.length);
    }
    return Object.fromEntries(names.map((name) => [name, params[name]!]));
  }
  const random = trialRandom(study.seed, n);
  for (const name of names) params[name] = sampleDimension(study.search_space[name]!, random);
  return params;
}

/** What is wrong with a search space; empty when nothing is. */
export function searchSpaceProblems(space: SearchSpace): string[] {
  const problems: string[] = [];
  if (Object.keys(space).length === 0) problems.push('search_space: give at least one parameter');
  for (const [name, dimension] of Object.entries(space)) {
    if (dimension.type === 'categorical') {
      if (dimension.choices.length === 0) problems.push(`search_space.${name}: choices must not be empty`);
      continue;
    }
    if (!(dimension.low <= dimension.high)) problems.push(`search_space.${name}: low (${dimension.low}) must not be above high (${dimension.high})`);
    if (dimension.log && dimension.low <= 0) problems.push(`search_space.${name}: a log scale needs low > 0`);
    if (dimension.log && dimension.step) problems.push(`search_space.${name}: give log or step, not both`);
    if (dimension.type === 'int' && (!Number.isInteger(dimension.low) || !Number.isInteger(dimension.high)))
      problems.push(`search_space.${name}: int bounds must be integers`);
  }
  return problems;
}

/** The best completed trial for the study's direction; null while none has a value. */
export function bestTrial(study: Pick<StudyRecord, 'objective' | 'trials'>): Trial | null {
  let best: Trial | null = null;
  for (const trial of study.trials) {
    if (trial.state !== 'completed' || trial.value === null) continue;
    if (!best || (study.objective === 'minimize' ? trial.value < best.value! : trial.value > best.value!)) best = trial;
  }
  return best;
}

/** The best value of a curve (epoch → value) up to and including `epoch`; null when it has none yet. */
function bestUpTo(curve: Iterable<[number, number]>, epoch: number, direction: Direction): number | null {
  let best: number | null = null;
  for (const [at, value] of curve) {
    if (at > epoch) continue;
    if (best === null || (direction === 'minimize' ? value < best : value > best)) best = value;
  }
  return best;
}

/**
 * The median stopping rule: at `epoch` (past the warm-up), a running trial whose best value so far is
 * worse than the median of the completed trials' best values up to the same epoch is not worth finishing.
 */
export function shouldPrune(
  study: Pick<StudyRecord, 'pruner' | 'pruner_warmup_epochs' | 'pruner_min_trials' | 'objective' | 'trials'>,
  curve: ReadonlyMap<number, number>,
  epoch: number,
): boolean {
  if (study.pruner !== 'median' || epoch < (study.pruner_warmup_epochs ?? 1)) return false;
  const own = bestUpTo(curve, epoch, study.objective);
  if (own === null) return false;
  const others: number[] = [];
  for (const trial of study.trials) {
    if (trial.state !== 'completed' || !trial.intermediate) continue;
    const best = bestUpTo(
      Object.entries(trial.intermediate).map(([at, value]) => [Number(at), value] as [number, number]),
      epoch,
      study.objective,
    );
    if (best !== null) others.push(best);
  }
  if (others.length < (study.pruner_min_trials ?? 3)) return false;
  others.sort((a, b) => a - b);
  const middle = others.length / 2;
  const median = others.length % 2 ? others[Math.floor(middle)]! : (others[middle - 1]! + others[middle]!) / 2;
  return study.objective === 'minimize' ? own > median : own < median;
}
