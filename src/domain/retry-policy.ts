import type { EndReason, Run } from './run.js';

/** Reasons a retry may be asked for. Never `code_error`: the same code fails the same way. */
export const RETRYABLE_REASONS = ['oom', 'timeout', 'node_fail', 'preempted', 'lost', 'killed_by_signal', 'launch_error'] as const;
export type RetryableReason = (typeof RETRYABLE_REASONS)[number];

/**
 * The infrastructure's failures, not the run's: a node that died, a preemption, a run the agent lost.
 * `oom` is not among them: the same configuration usually runs out of memory again, so a recipe asks for it.
 */
export const DEFAULT_RETRY_ON: readonly RetryableReason[] = ['node_fail', 'preempted', 'lost'];

export interface RetryPolicy {
  max_retries: number;
  retry_on: readonly string[];
}

/** One start of a run: the first, or a retry. */
export interface Attempt {
  n: number;
  started_at: string;
  ended_at: string | null;
  end_reason: EndReason | null;
  exit_code: number | null;
  end_signal: string | null;
  error_message: string | null;
  /** The checkpoint this attempt was told to resume from (TRAINER_RESUME_FROM), if any. */
  resumed_from: string | null;
}

/** Whether a run that just ended its `attempts`-th attempt for `reason` gets another one. */
export function shouldRetry(policy: RetryPolicy | null | undefined, reason: EndReason, attemptsSoFar: number): boolean {
  if (!policy || policy.max_retries <= 0) return false;
  return policy.retry_on.includes(reason) && attemptsSoFar <= policy.max_retries;
}

/** The run's attempts with a new one started at `at`. */
export function withNewAttempt(run: Run, at: Date, resumedFrom: string | null): Attempt[] {
  const previous = run.attempts ?? [];
  return [
    ...previous,
    {
      n: previous.length + 1,
      started_at: at.toISOString(),
      ended_at: null,
      end_reason: null,
      exit_code: null,
      end_signal: null,
      error_message: null,
      resumed_from: resumedFrom,
    },
  ];
}

/** The run's attempts with the current one closed. */
export function withEndedAttempt(run: Run, ended: Pick<Attempt, 'ended_at' | 'end_reason' | 'exit_code' | 'end_signal' | 'error_message'>): Attempt[] {
  const attempts = [...(run.attempts ?? [])];
  const current = attempts.at(-1);
  if (current && current.ended_at === null) attempts[attempts.length - 1] = { ...current, ...ended };
  return attempts;
}

/** A running run whose attempt failed goes back to the queue as the same run; its ended attempt stays in `attempts`. */
export function requeueForRetry(run: Run, attempts: Attempt[], at: Date, message: string): Run {
  return { ...run, state: 'queued', queued_at: at.toISOString(), attempts, handle: null, gpu_ids: [], stop_requested: false, error_message: message };
}
