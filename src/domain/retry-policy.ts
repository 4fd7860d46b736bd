import type { EndReason } from './run.js';

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
