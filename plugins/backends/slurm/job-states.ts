import { constants } from 'node:os';
import type { ExitCause, ExitRecord } from '../../../src/plugins/sdk.js';

/**
 * Slurm job states in which a job is over. Every other state (PENDING, RUNNING, COMPLETING, SUSPENDED,
 * REQUEUED, CONFIGURING, RESIZING, SIGNALING, STAGE_OUT, ...) means "keep following": COMPLETING in
 * particular, since the job's output is complete only once it is over.
 */
export const TERMINAL_STATES: ReadonlySet<string> = new Set([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMEOUT',
  'OUT_OF_MEMORY',
  'NODE_FAIL',
  'PREEMPTED',
  'BOOT_FAIL',
  'DEADLINE',
  'REVOKED',
]);

export const isTerminal = (state: string): boolean => TERMINAL_STATES.has(state);

/** What ended the job, from the controller (scontrol), accounting (sacct) or the jobcomp file. */
export interface JobEnd {
  state: string;
  /** Slurm's reason (`NonZeroExitCode`, `TimeLimit`, ...); null where the source has none. */
  reason: string | null;
  /** ExitCode=N:S — the batch script's exit code and the signal that killed it (0 for none). */
  exitCode: number;
  signal: number;
  /** Where it came from, for the run's log. */
  source: string;
  /** EndTime as Slurm printed it (controller local time, no zone), if known. */
  endTime: string | null;
}

const WHY: Record<string, string> = {
  CANCELLED: 'was cancelled',
  TIMEOUT: 'reached its time limit',
  OUT_OF_MEMORY: 'ran out of memory',
  NODE_FAIL: 'lost its node (node failure)',
  PREEMPTED: 'was preempted',
  BOOT_FAIL: 'could not start: its node failed to boot',
  DEADLINE: 'missed its deadline',
  REVOKED: 'was revoked (federation)',
  FAILED: 'failed',
};

/** The states whose cause the exit code cannot tell: the executor ends the run with that end_reason. */
const CAUSES: Record<string, ExitCause> = {
  TIMEOUT: 'timeout',
  DEADLINE: 'timeout',
  OUT_OF_MEMORY: 'oom',
  NODE_FAIL: 'node_fail',
  BOOT_FAIL: 'node_fail',
  PREEMPTED: 'preempted',
};

/** `ExitCode=3:0` → [3, 0]; null when it is not that shape. */
export function parseExitCode(text: string | undefined | null): [number, number] | null {
  const match = /^(\d+):(\d+)$/.exec(text ?? '');
  return match ? [Number(match[1]), Number(match[2])] : null;
}

/** `SIGTERM` for 15; null for a number that is no signal (Slurm reports an OOM kill as 0:125). */
export function signalName(signal: number): string | null {
  const entry = Object.entries(constants.signals).find(([, number]) => number === signal);
  return entry ? entry[0] : null;
}

/**
 * Maps how a Slurm job ended onto the exit record the executor classifies:
 * - a stop (ours, or anyone's `scancel`: CANCELLED) → stop_requested → `stopped`;
 * - COMPLETED → the script's exit code (0 → `completed`);
 * - FAILED with a non-zero code or a signal → that code or signal, no error → `failed` with
 *   `code_error` / `killed_by_signal` and the run's last error line, like a local process;
 * - TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, PREEMPTED, BOOT_FAIL, DEADLINE, and a FAILED without a code
 *   (a launch failure on the node) → an error that names the Slurm state and reason; the first six also
 *   carry a `cause` (timeout, oom, node_fail, preempted) that becomes the run's end_reason.
 */
export function exitRecordFor(jobId: string, end: JobEnd, stopRequested: boolean, endedAt: string): ExitRecord {
  const signal = end.signal !== 0 ? signalName(end.signal) : null;
  const exitCode = end.signal !== 0 ? null : end.exitCode;
  const plainExit = end.state === 'COMPLETED' || (end.state === 'FAILED' && (end.exitCode !== 0 || signal !== null));
  let error: string | null = null;
  if (!plainExit) {
    const reason = end.reason && end.reason !== 'None' ? ` (reason: ${end.reason})` : '';
    const how = signal ? `, killed by ${signal}` : end.exitCode !== 0 || end.signal !== 0 ? ` (ExitCode ${end.exitCode}:${end.signal})` : '';
    error = `Slurm job ${jobId} ended ${end.state}${reason}: it ${WHY[end.state] ?? 'ended'}${how}`;
  }
  return {
    exit_code: exitCode,
    signal,
    stop_requested: stopRequested || end.state === 'CANCELLED',
    error,
    ended_at: endedAt,
    ...(CAUSES[end.state] && !stopRequested && { cause: CAUSES[end.state] }),
  };
}

/** Slurm prints times in the controller's local time without a zone: read them as local time. */
export function slurmTime(text: string | null | undefined): Date | null {
  if (!text || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(text)) return null;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}
