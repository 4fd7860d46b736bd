import type { Run } from '../domain/run.js';
import type { MetricRecord } from '../domain/run-records.js';
import { runProgress } from '../domain/run-progress.js';

/** How runs look on the wire. Seed 000 calls a run a session; the shapes below are its, verbatim. */
export function statusView(run: Run) {
  return {
    session_id: run.id,
    state: run.state,
    current_epoch: run.current_epoch,
    total_epochs: run.total_epochs,
    start_time: run.started_at,
    end_time: run.ended_at,
    error_message: run.error_message,
    // additions beyond seed 000
    recipe: run.recipe,
    backend: run.backend,
    priority: run.priority,
    gpus: run.gpus,
    gpu_ids: run.gpu_ids,
    exit_code: run.exit_code,
    end_reason: run.end_reason,
    end_signal: run.end_signal ?? null,
    attempts: run.attempts ?? [],
    max_retries: run.retry_policy?.max_retries ?? 0,
    queued_at: run.queued_at,
    experiment_id: run.experiment_id ?? null,
    schedule_id: run.schedule_id ?? null,
    /** The chat channel and thread a run started from chat reports back to. */
    origin: run.origin ?? null,
    dataset_version: run.dataset_version ?? null,
    tracking_only: run.tracking_only === true,
    /** 0..1 from epochs, else from the progress bar the run's output draws; null when neither is known. */
    progress: runProgress(run),
  };
}

export function sessionView(run: Run) {
  return {
    session_id: run.id,
    session_name: run.name,
    config: { ...run.params },
    status: statusView(run),
    created_at: run.created_at,
    tags: run.tags,
  };
}

export function metricPointView(runId: string, record: MetricRecord) {
  const { ts, ...values } = record;
  return { session_id: runId, epoch: record.epoch ?? null, ...values, timestamp: ts };
}

/** Seed 001's session detail. */
export function sessionDetailView(run: Run, latest: MetricRecord | null) {
  const { ts: _ts, epoch: _epoch, step: _step, ...latestValues } = latest ?? { ts: '' };
  return {
    session_id: run.id,
    session_name: run.name,
    status: run.state,
    recipe: run.recipe,
    config: { ...run.params },
    tags: run.tags,
    created_at: run.created_at,
    started_at: run.started_at,
    completed_at: run.ended_at,
    current_epoch: run.current_epoch,
    total_epochs: run.total_epochs,
    progress: runProgress(run),
    latest_metrics: latest ? latestValues : {},
    error_message: run.error_message,
    // additions beyond seed 001
    end_reason: run.end_reason,
    attempts: run.attempts ?? [],
  };
}
