import type { ExitRecord } from './run-records.js';
import type { EndReason, RunState } from './run.js';

export interface ExitVerdict {
  state: Extract<RunState, 'completed' | 'failed' | 'stopped'>;
  reason: EndReason;
  /** The signal that ended the run, if one did. */
  signal: string | null;
  message: string | null;
}

export interface ExitContext {
  /** A user asked for the stop (the API, the CLI, a chat command). */
  stopRequested: boolean;
  /** The agent stopped it because it ran past its recipe's time limit. */
  timedOut: boolean;
  /** The run's last error line, quoted in the message. */
  lastError: string | null;
}

/** What a shell reports for a child killed by SIGKILL (128 + 9). */
const EXIT_CODE_SIGKILL = 137;

/**
 * Why a run ended, from its exit record. An unrequested SIGKILL is taken for the kernel's OOM killer:
 * nothing else on a training machine sends one without being asked, and the agent's own SIGKILL (after a
 * stop's grace period) is a requested stop.
 */
export function classifyExit(exit: ExitRecord, context: ExitContext): ExitVerdict {
  const signal = exit.signal ?? null;
  const why = context.lastError ? `: ${context.lastError}` : '';
  if (context.timedOut) return { state: 'failed', reason: 'timeout', signal, message: `Stopped: it ran past its recipe's time limit${why}` };
  if (exit.stop_requested || context.stopRequested) return { state: 'stopped', reason: 'stopped_by_user', signal, message: null };
  if (exit.cause) return { state: 'failed', reason: exit.cause, signal, message: exit.error ?? `Ended by ${exit.cause}${why}` };
  if (exit.error) return { state: 'failed', reason: exit.exit_code === 127 ? 'launch_error' : 'lost', signal, message: exit.error };
  if (exit.exit_code === 0) return { state: 'completed', reason: 'success', signal: null, message: null };
  if (signal === 'SIGKILL') return { state: 'failed', reason: 'oom', signal, message: `Process killed by SIGKILL (out of memory?)${why}` };
  if (signal) return { state: 'failed', reason: 'killed_by_signal', signal, message: `Process killed by ${signal}${why}` };
  if (exit.exit_code === EXIT_CODE_SIGKILL)
    return { state: 'failed', reason: 'oom', signal: 'SIGKILL', message: `Process exited with code 137: killed by SIGKILL (out of memory?)${why}` };
  return { state: 'failed', reason: 'code_error', signal: null, message: `Process exited with code ${exit.exit_code}${why}` };
}

/**
 * Whether a run ended by a signal (or by the 128 + SIGTERM/SIGKILL code a shell reports) past its
 * recipe's time limit: then the agent's time limit stopped it, even when no agent was up to remember
 * doing so (it sent the stop, died, and the run ended before the next agent re-attached).
 */
export function endedPastTimeLimit(startedAt: string | null, exit: Pick<ExitRecord, 'exit_code' | 'signal' | 'ended_at'>, limitS: number | undefined): boolean {
  if (!limitS || !startedAt) return false;
  const bySignal = exit.signal != null || exit.exit_code === 143 || exit.exit_code === EXIT_CODE_SIGKILL;
  return bySignal && Date.parse(exit.ended_at) - Date.parse(startedAt) >= limitS * 1000;
}
