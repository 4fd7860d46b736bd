import { joinShellWords } from '../domain/shell-words.js';
import type { Run, RunState } from '../domain/run.js';
import type { JOB_STATUSES } from './job-schemas.js';

type JobStatus = (typeof JOB_STATUSES)[number];

/** Seed 004's statuses from run states: not started yet is pending; stopped by a person is cancelled. */
const STATUS_OF: Record<RunState, JobStatus> = {
  created: 'pending',
  queued: 'pending',
  running: 'running',
  completed: 'completed',
  failed: 'failed',
  stopped: 'cancelled',
  cancelled: 'cancelled',
};

export function jobStatusOf(state: RunState): JobStatus {
  return STATUS_OF[state];
}

export function runStatesOf(status: JobStatus): RunState[] {
  return (Object.keys(STATUS_OF) as RunState[]).filter((state) => STATUS_OF[state] === status);
}

/** What POST /api/jobs answers: seed 004's fields, verbatim. */
export function jobCreatedView(run: Run) {
  return { id: run.id, name: run.name ?? run.id, status: jobStatusOf(run.state), gpu_count: run.gpus, created_at: run.created_at };
}

/** A job: seed 004's fields, then what the run says beyond them. Every run is a job, recipe runs too. */
export function jobView(run: Run) {
  return {
    ...jobCreatedView(run),
    command: run.command ? joinShellWords(run.command.argv) : null,
    priority: run.priority,
    started_at: run.started_at,
    completed_at: run.ended_at,
    exit_code: run.exit_code,
    error_message: run.error_message,
    // additions beyond seed 004
    state: run.state,
    end_reason: run.end_reason,
    gpu_ids: run.gpu_ids,
    cwd: run.command?.cwd ?? null,
    recipe: run.recipe,
    session_id: run.id,
  };
}
