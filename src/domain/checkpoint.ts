import { randomBytes } from 'node:crypto';

/**
 * Checkpoints (seed 001): files a run saved along the way, each with the epoch and metrics it was
 * saved at. Pure: which one is best and which ones a retention policy keeps.
 */
export interface CheckpointRecord {
  checkpoint_id: string;
  session_id: string;
  epoch: number;
  /** The metrics it was saved with (numbers only). */
  metrics: Record<string, number>;
  /** The file inside the checkpoint store. */
  file: string;
  size_bytes: number;
  created_at: string;
  /** 'run': registered by a line the training process printed; 'upload': sent through the API. */
  source: 'run' | 'upload';
  /** The path the run printed (relative to its output dir), or the uploaded file's name. */
  original_path: string | null;
  /** For a run's checkpoint: how far into its log.jsonl the line that registered it lies (catch-up after a restart). */
  log_offset?: number;
}

export type CheckpointMode = 'min' | 'max';

export interface CheckpointPolicy {
  metric: string;
  mode: CheckpointMode;
  /** Keep this many best checkpoints of a run (by metric); 0 keeps none for being best. */
  keepBest: number;
  /** Keep this many latest checkpoints of a run (by epoch); 0 keeps none for being recent. */
  keepLast: number;
}

export const DEFAULT_CHECKPOINT_POLICY: CheckpointPolicy = { metric: 'val_loss', mode: 'min', keepBest: 1, keepLast: 3 };

export const CHECKPOINT_ID_PATTERN = /^ckpt_[0-9a-f]{12}$/;

export function newCheckpointId(): string {
  return `ckpt_${randomBytes(6).toString('hex')}`;
}

/** Best first; checkpoints without the metric come after all that have it, then newest epoch first. */
export function rankByMetric(records: readonly CheckpointRecord[], policy: Pick<CheckpointPolicy, 'metric' | 'mode'>): CheckpointRecord[] {
  const sign = policy.mode === 'min' ? 1 : -1;
  return [...records].sort((a, b) => {
    const va = a.metrics[policy.metric];
    const vb = b.metrics[policy.metric];
    const hasA = typeof va === 'number' && Number.isFinite(va);
    const hasB = typeof vb === 'number' && Number.isFinite(vb);
    if (hasA !== hasB) return hasA ? -1 : 1;
    if (hasA && hasB && va !== vb) return sign * (va - vb);
    return newestFirst(a, b);
  });
}

/** The best checkpoint of one run's, or null when none carries the metric. */
export function bestCheckpoint(records: readonly CheckpointRecord[], policy: Pick<CheckpointPolicy, 'metric' | 'mode'>): CheckpointRecord | null {
  const [best] = rankByMetric(records, policy);
  return best && typeof best.metrics[policy.metric] === 'number' ? best : null;
}

/** The checkpoints of one run that a policy lets go: neither among the best K nor the last K. */
export function checkpointsToDrop(records: readonly CheckpointRecord[], policy: CheckpointPolicy): CheckpointRecord[] {
  const keep = new Set<string>();
  const ranked = rankByMetric(records, policy).filter((record) => typeof record.metrics[policy.metric] === 'number');
  for (const record of ranked.slice(0, policy.keepBest)) keep.add(record.checkpoint_id);
  for (const record of [...records].sort(newestFirst).slice(0, policy.keepLast)) keep.add(record.checkpoint_id);
  return records.filter((record) => !keep.has(record.checkpoint_id));
}

function newestFirst(a: CheckpointRecord, b: CheckpointRecord): number {
  if (a.epoch !== b.epoch) return b.epoch - a.epoch;
  return a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0;
}

/** What a training process prints to register a checkpoint. */
export interface CheckpointLine {
  path: string;
  epoch: number;
  metrics: Record<string, number>;
}

/**
 * A printed line `{"checkpoint": "<relative path>", "epoch": N, "metrics": {...}}`, or null when the
 * line is not one; a string saying what is wrong when it is one but malformed.
 */
export function parseCheckpointLine(message: string): CheckpointLine | string | null {
  if (message.charCodeAt(0) !== 123 /* { */ || !message.includes('"checkpoint"')) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !('checkpoint' in parsed)) return null;
  const line = parsed as Record<string, unknown>;
  if (typeof line.checkpoint !== 'string') return '"checkpoint" must be a path relative to the output directory';
  const problem = relativePathProblem(line.checkpoint);
  if (problem) return `checkpoint path ${JSON.stringify(line.checkpoint.slice(0, 200))} ${problem}`;
  const epoch = line.epoch;
  if (typeof epoch !== 'number' || !Number.isInteger(epoch) || epoch < 0) return '"epoch" must be a non-negative integer';
  const metrics = metricsProblem(line.metrics ?? {});
  if (typeof metrics === 'string') return metrics;
  // metrics printed beside the path count too (`{"checkpoint": …, "epoch": 3, "val_loss": 0.4}`)
  const beside: Record<string, number> = {};
  for (const [name, value] of Object.entries(line)) {
    if (name !== 'epoch' && name !== 'step' && typeof value === 'number' && Number.isFinite(value) && typeof metricsProblem({ [name]: value }) !== 'string')
      beside[name] = value;
  }
  return { path: line.checkpoint, epoch, metrics: { ...beside, ...metrics } };
}

/** Metrics as numbers by name, or what is wrong with them. */
export function metricsProblem(value: unknown): Record<string, number> | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return '"metrics" must be an object of numbers';
  const metrics: Record<string, number> = {};
  for (const [name, metric] of Object.entries(value)) {
    if (!/^[A-Za-z0-9_.\/-]{1,128}$/.test(name)) return `metric name ${JSON.stringify(name.slice(0, 64))} must be 1-128 letters, digits, "_", ".", "/" or "-"`;
    if (typeof metric !== 'number' || !Number.isFinite(metric)) return `metric '${name}' must be a finite number`;
    metrics[name] = metric;
  }
  return metrics;
}

/** Why a path printed by a run cannot name a file inside its output directory, or null when it can. */
export function relativePathProblem(path: string): string | null {
  if (path.length === 0) return 'is empty';
  if (path.length > 1024) return 'is longer than 1024 characters';
  if (path.includes('\0')) return 'contains a NUL character';
  if (path.startsWith('/') || path.startsWith('\\') || /^[A-Za-z]:/.test(path)) return 'must be relative to the output directory';
  if (path.split(/[\\/]/).some((segment) => segment === '..')) return 'must not contain ".."';
  return null;
}
