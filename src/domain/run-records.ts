/** One line of a run's log.jsonl. */
export interface LogRecord {
  ts: string;
  level: string;
  stream: 'stdout' | 'stderr' | 'agent';
  message: string;
}

/** One line of a run's metrics.jsonl: a timestamp, optional epoch/step and named values. NaN/Infinity are kept as strings. */
export interface MetricRecord {
  ts: string;
  epoch?: number;
  step?: number;
  [name: string]: number | string | undefined;
}

/** A record's value as a number: the strings NaN/Infinity/-Infinity the files keep for non-finite values included; other strings are not numbers (null). */
export function metricNumber(value: number | string | undefined): number | null {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  return null;
}

/** Written once, atomically, by whatever supervises the training process when it ends. */
export interface ExitRecord {
  exit_code: number | null;
  signal: string | null;
  stop_requested: boolean;
  error: string | null;
  ended_at: string;
  /**
   * What the backend knows ended it when the exit code alone cannot say (Slurm's TIMEOUT,
   * OUT_OF_MEMORY, NODE_FAIL, PREEMPTED). Absent for a plain exit.
   */
  cause?: ExitCause;
}

/** Causes a backend can report beyond an exit code or a signal. */
export type ExitCause = 'oom' | 'timeout' | 'node_fail' | 'preempted';
