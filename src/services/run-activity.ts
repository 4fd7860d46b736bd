import type { Run } from '../domain/run.js';
import type { MetricRecord } from '../domain/run-records.js';

/** What alert rules need of a running run. */
export interface RunActivitySnapshot {
  latest: MetricRecord | null;
  recent: MetricRecord[];
  lastOutputAt: string;
}

/**
 * The read model of runs in progress: what the executor's followers have seen so far. Services that
 * watch runs (alerts, streams, metrics, the run service) read this, never the executor itself.
 */
export interface RunActivity {
  /** Whether the agent is following the run now. */
  isActive(runId: string): boolean;
  /** Undefined when the run is not active. */
  activity(runId: string): RunActivitySnapshot | undefined;
  /** How far the follower has read the run's files; undefined when the run is not active. */
  followedOffsets(runId: string): { metricsOffset: number; logOffset: number } | undefined;
  /** The run's latest metrics as followed; undefined when the run is not active. */
  latestMetrics(runId: string): MetricRecord | null | undefined;
  /** Resolves with the run as it ended; undefined when the run is not active. */
  whenFinished(runId: string): Promise<Run> | undefined;
}
