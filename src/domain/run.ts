import { AppError, ErrorCode } from '../errors.js';
import type { Attempt, RetryPolicy } from './retry-policy.js';

/** A run is seed 000's "training session". `created` is seed 001's defined-but-not-started state. */
export const RUN_STATES = ['created', 'queued', 'running', 'completed', 'failed', 'stopped', 'cancelled'] as const;
export type RunState = (typeof RUN_STATES)[number];

export const FINAL_STATES: ReadonlySet<RunState> = new Set(['completed', 'failed', 'stopped', 'cancelled']);
export const isFinal = (state: RunState): boolean => FINAL_STATES.has(state);

/**
 * Why a run ended; kept next to the final state so that retries and alerts can reason about it.
 * `code_error`: a non-zero exit; `killed_by_signal`: a signal other than an unrequested SIGKILL (named in
 * `end_signal`); `oom`: exit 137, an unrequested SIGKILL (what the kernel's OOM killer sends) or Slurm
 * OUT_OF_MEMORY; `timeout`: the recipe's `time_limit_s` or Slurm TIMEOUT/DEADLINE; `node_fail`: Slurm
 * NODE_FAIL/BOOT_FAIL; `preempted`: Slurm PREEMPTED; `lost`: the agent could not tell (e.g. the process
 * vanished while the agent was down).
 */
export const END_REASONS = [
  'success',
  'code_error',
  'killed_by_signal',
  'oom',
  'timeout',
  'node_fail',
  'preempted',
  'stopped_by_user',
  'cancelled',
  'launch_error',
  'lost',
] as const;
export type EndReason = (typeof END_REASONS)[number];

/** Opaque to the core: what a backend needs to find its run again after an agent restart. */
export type BackendHandle = Record<string, unknown>;

export interface Run {
  id: string;
  name: string | null;
  tags: string[];
  recipe: string;
  backend: string;
  params: Record<string, unknown>;
  gpus: number;
  gpu_ids: number[];
  priority: number;
  state: RunState;
  /** Monotonic submission order: FIFO within one priority. */
  seq: number;
  created_at: string;
  queued_at: string | null;
  started_at: string | null;
  ended_at: string | null;
  current_epoch: number | null;
  total_epochs: number | null;
  /** The position of the progress bar (tqdm, Keras) the run's output drew last: its progress when it has no epoch count. */
  bar_progress?: { n: number; total: number } | null;
  exit_code: number | null;
  end_reason: EndReason | null;
  /** The signal that ended it (`SIGKILL`, `SIGSEGV`, ...), when one did. */
  end_signal?: string | null;
  error_message: string | null;
  stop_requested: boolean;
  handle: BackendHandle | null;
  /** The run slot it occupies while running (1..max concurrent), kept after it ends for the workers view. */
  slot?: number | null;
  /** The experiment it belongs to, if any. */
  experiment_id?: string | null;
  /** The latest value of each metric when it ended: what leaderboards rank. */
  final_metrics?: Record<string, number | string> | null;
  /** Each start of the run, the retries included; absent on runs recorded before retries existed. */
  attempts?: Attempt[];
  /** The schedule that started it, if one did. */
  schedule_id?: string | null;
  /** The recipe's retry settings when the run was submitted; null when it is never retried. */
  retry_policy?: RetryPolicy | null;
  /** Where the run was started from in chat: its lifecycle updates go back there (issue 5 routing). */
  origin?: RunOrigin | null;
  /** A run created only to record metrics a client reports (seed 002): no process, no slot, no GPU. */
  tracking_only?: boolean;
  /**
   * The exact version (SHA-256) of the registry dataset it trains on: its `dataset_name` parameter's,
   * or its first dataset parameter's. Null when that dataset is built in or not versioned.
   */
  dataset_version?: string | null;
  /** Every dataset parameter: the dataset name and the version resolved at submission (pinned or current). */
  datasets?: Record<string, { name: string; version: string | null }>;
  /** An ad-hoc command (`trainer run exec`, seed 004's jobs) instead of a recipe's: run as given, never by a shell. */
  command?: AdHocCommand | null;
  /**
   * Lifecycle events recorded with the change they announce (in the same write) and not yet in the
   * outboxes, oldest first: an agent killed in between announces them when it starts again.
   */
  unannounced?: RunAnnouncement[];
}

/** The lifecycle events that leave the agent (inbox, webhooks, notifiers, chat threads). */
export type RunAnnouncement = 'run.queued' | 'run.started' | 'run.finished' | 'run.cancelled';

/** The run with `event` to announce, in the same write as the change it announces. */
export function withAnnouncement(run: Run, event: RunAnnouncement): Run {
  return { ...run, unannounced: [...(run.unannounced ?? []), event] };
}

/** What an ad-hoc command run runs; its `recipe` is `exec`. */
export interface AdHocCommand {
  argv: string[];
  /** Absolute, checked at submission; null: the run's output directory. */
  cwd: string | null;
  env: Record<string, string>;
  /** The API key's name that submitted it (also in the audit log). */
  submitted_by: string | null;
}

/** The `recipe` recorded on ad-hoc command runs. */
export const EXEC_RECIPE = 'exec';

/** A chat channel (and the thread of the run's messages once posted) that asked for the run. */
export interface RunOrigin {
  platform: 'slack' | 'discord';
  channel: string;
  thread: string | null;
  /** Who asked, as the platform names them. */
  user: string;
}

/** What a new run knows at submission; everything else starts empty. */
export type NewRunFields = Pick<
  Run,
  'id' | 'name' | 'tags' | 'recipe' | 'backend' | 'params' | 'gpus' | 'priority' | 'seq' | 'created_at' | 'total_epochs' | 'experiment_id'
> &
  Partial<Run>;

/** A run in `created`: not queued, not run, nothing measured yet. */
export function newRun(fields: NewRunFields): Run {
  return {
    gpu_ids: [],
    state: 'created',
    queued_at: null,
    started_at: null,
    ended_at: null,
    current_epoch: null,
    exit_code: null,
    end_reason: null,
    error_message: null,
    stop_requested: false,
    handle: null,
    slot: null,
    final_metrics: null,
    ...fields,
  };
}

/** The backend name recorded on tracking-only runs: no plugin runs them. */
export const TRACKING_BACKEND = 'tracking';

const allowedTransitions: Record<RunState, readonly RunState[]> = {
  created: ['queued', 'cancelled'],
  queued: ['running', 'cancelled'],
  running: ['completed', 'failed', 'stopped'],
  completed: [],
  failed: [],
  stopped: [],
  cancelled: [],
};

export function canTransition(from: RunState, to: RunState): boolean {
  return allowedTransitions[from].includes(to);
}

/** The only place a run's state changes. An illegal move is a 409 that says what state the run is in. */
export function transition(run: Run, to: RunState, at: Date, fields: Partial<Run> = {}): Run {
  if (!canTransition(run.state, to)) {
    throw new AppError(ErrorCode.Conflict, illegalTransitionMessage(run, to));
  }
  const iso = at.toISOString();
  const next: Run = { ...run, ...fields, state: to };
  if (to === 'queued') next.queued_at = iso;
  if (to === 'running') next.started_at = iso;
  if (isFinal(to)) next.ended_at = iso;
  return next;
}

function illegalTransitionMessage(run: Run, to: RunState): string {
  const verb: Partial<Record<RunState, string>> = {
    queued: 'start',
    running: 'run',
    stopped: 'stop',
    cancelled: 'cancel',
  };
  return `Cannot ${verb[to] ?? `move to ${to}`} session ${run.id}: it is ${run.state}`;
}
