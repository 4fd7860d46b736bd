import type { Run } from './run.js';

/** Where a run's output last said it stands: a progress bar's n of total, and the epoch of epochs a header named. */
export interface OutputProgress {
  epoch: number | null;
  epochs: number | null;
  n: number | null;
  total: number | null;
}

const count = (value: unknown, positive: boolean): number | null =>
  typeof value === 'number' && Number.isFinite(value) && value >= (positive ? 1 : 0) && value <= 1e15 ? value : null;

/** A backend's progress.json, checked field by field: anything else in it is dropped. */
export function parseOutputProgress(raw: unknown): OutputProgress | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const fields = raw as Record<string, unknown>;
  const progress = { epoch: count(fields.epoch, false), epochs: count(fields.epochs, true), n: count(fields.n, false), total: count(fields.total, true) };
  if (progress.n !== null && progress.total !== null && progress.n > progress.total) progress.n = progress.total;
  if (progress.n === null || progress.total === null) progress.n = progress.total = null;
  return progress;
}

/** What a run's record takes from its output's progress: the number of epochs when the recipe did not say it, and the bar. */
export function progressPatch(run: Pick<Run, 'total_epochs'>, progress: OutputProgress): Pick<Run, 'total_epochs' | 'bar_progress'> {
  return {
    total_epochs: run.total_epochs ?? (progress.epochs !== null ? Math.round(progress.epochs) : null),
    bar_progress: progress.n !== null && progress.total !== null ? { n: progress.n, total: progress.total } : null,
  };
}

/** 0..1: epochs done of all when the run's epochs are known, else the position of its progress bar; null when neither is known. */
export function runProgress(run: Pick<Run, 'current_epoch' | 'total_epochs' | 'bar_progress'>): number | null {
  if (run.total_epochs && run.current_epoch !== null) return Math.min(1, run.current_epoch / run.total_epochs);
  if (run.bar_progress) return Math.min(1, run.bar_progress.n / run.bar_progress.total);
  return null;
}
