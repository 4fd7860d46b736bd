import { classifyExit, endedPastTimeLimit } from '../domain/exit-classification.js';
import { requeueForRetry, shouldRetry, withEndedAttempt, withNewAttempt } from '../domain/retry-policy.js';
import { transition, withAnnouncement, type BackendHandle, type EndReason, type Run, type RunAnnouncement } from '../domain/run.js';
import type { ExitRecord, MetricRecord } from '../domain/run-records.js';
import { AppError, ErrorCode, conflict } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../logging/logger.js';
import type { StateStore } from '../store/state-store.js';

/** How the client of a tracking-only run ended it. */
export interface TrackingOutcome {
  state: 'completed' | 'failed' | 'stopped';
  message: string | null;
}

/** What the executor knows when a run's process has ended. */
export interface AttemptEnd {
  exit: ExitRecord;
  /** The agent decided the reason itself (`lost`: re-attaching failed). */
  forcedReason?: EndReason | null;
  /** The last error line the run printed. */
  lastError?: string | null;
  /** The run's latest metrics (its final metrics). */
  latest: MetricRecord | null;
  /** The agent stopped it for running past its time limit. */
  timedOut?: boolean;
  /** The recipe's time limit, when it has one. */
  timeLimitS?: number;
  /** Awaited for a run queued again, before it is announced (and the scheduler may start it). */
  beforeRetry?: (queued: Run) => Promise<void>;
}

type ProgressFields = Pick<Partial<Run>, 'current_epoch' | 'total_epochs' | 'bar_progress'>;

/**
 * The one place a run's record changes: every transition and every field change (stop requests, chat
 * threads, handles, progress, how it ended) is one serialised read-modify-write of the store
 * (`StateStore.updateRun`), decided on the record as it is at that moment, never on a copy read
 * earlier. It announces each transition on the event bus once the record is on disk; the record
 * carries the announcement (`unannounced`) until the outbound pipeline has it in its outboxes, so that
 * an agent killed in between announces it when it starts again.
 */
export class RunLifecycle {
  constructor(private readonly deps: { store: StateStore; events: EventBus; logger?: Logger }) {}

  /**
   * An update that records a fact (the backend started the run, its process ended): nobody can be told
   * no, so on a full disk the new record is kept in memory, written by the store once space returns,
   * and announced as usual (never an unhandled rejection, never a run that holds its slot forever).
   */
  private async recordFact(id: string, change: (run: Run) => Run): Promise<Run> {
    try {
      return await this.deps.store.updateRun(id, change);
    } catch (error) {
      if (!(error instanceof AppError && error.code === ErrorCode.InsufficientStorage)) throw error;
      const kept = this.deps.store.getRun(id)!;
      this.deps.logger?.warn('a run changed while the disk is full: its record is saved once space returns', { run: id, state: kept.state });
      return kept;
    }
  }

  find(id: string): Run | undefined {
    return this.deps.store.getRun(id);
  }

  get runs(): readonly Run[] {
    return this.deps.store.runs;
  }

  /** The next submission number (FIFO order within a priority). */
  nextSeq(): number {
    return this.deps.store.takeSeq();
  }

  /** Removes a finished run's record (its files are the caller's to remove). */
  remove(id: string): Promise<boolean> {
    return this.deps.store.deleteRun(id);
  }

  /** A new run in `created` (started later) or queued right away. */
  async create(run: Run, queue: boolean): Promise<Run> {
    const stored = queue ? withAnnouncement(transition(run, 'queued', new Date()), 'run.queued') : run;
    await this.deps.store.addRun(stored);
    this.deps.events.emit(queue ? 'run.queued' : 'run.created', { run: stored });
    return stored;
  }

  /** created → queued (seed 001's start). */
  async queue(id: string): Promise<Run> {
    const queued = await this.deps.store.updateRun(id, (run) => withAnnouncement(transition(run, 'queued', new Date()), 'run.queued'));
    this.deps.events.emit('run.queued', { run: queued });
    return queued;
  }

  /** queued or created → cancelled; anything else is a 409. */
  async cancel(id: string): Promise<Run> {
    const cancelled = await this.deps.store.updateRun(id, (run) => {
      if (run.state !== 'queued' && run.state !== 'created') {
        throw conflict(`Cannot cancel session ${id}: only queued sessions can be cancelled, and it is ${run.state}`, 'invalid_state');
      }
      return withAnnouncement(transition(run, 'cancelled', new Date(), { end_reason: 'cancelled' }), 'run.cancelled');
    });
    this.deps.events.emit('run.cancelled', { run: cancelled });
    return cancelled;
  }

  /** Marks a running run as asked to stop; `first` is false when it already was. A run not running is a 409. */
  async requestStop(id: string): Promise<{ run: Run; first: boolean }> {
    let first = false;
    const run = await this.deps.store.updateRun(id, (current) => {
      if (current.state !== 'running') throw conflict(`Cannot stop session ${id}: it is already ${current.state}`, 'invalid_state');
      if (current.stop_requested) return current;
      first = true;
      return { ...current, stop_requested: true };
    });
    return { run, first };
  }

  /** The chat thread that carries a chat-started run's updates. */
  setOriginThread(id: string, thread: string): Promise<Run> {
    return this.deps.store.updateRun(id, (run) => {
      if (!run.origin) throw conflict(`Session ${id} was not started from chat`);
      return run.origin.thread === thread ? run : { ...run, origin: { ...run.origin, thread } };
    });
  }

  /** Runs keep going without their deleted experiment. */
  detachFromExperiment(ids: readonly string[]): Promise<void> {
    return this.deps.store.updateRuns(ids, (run) => ({ ...run, experiment_id: null }));
  }

  /** queued → running: a new attempt, on these GPUs and this slot, with no backend handle yet. */
  beginAttempt(id: string, launch: { gpuIds: number[]; slot: number | null; resumeFrom: string | null; at: Date }): Promise<Run> {
    return this.deps.store.updateRun(id, (run) =>
      withAnnouncement(
        transition(run, 'running', launch.at, {
          gpu_ids: launch.gpuIds,
          handle: null,
          slot: launch.slot,
          attempts: withNewAttempt(run, launch.at, launch.resumeFrom),
        }),
        'run.started',
      ),
    );
  }

  /** The backend started the run: its handle (what a restarted agent re-attaches by). */
  recordHandle(id: string, handle: BackendHandle, totalEpochs: number | null): Promise<Run> {
    return this.recordFact(id, (run) => ({ ...run, handle, total_epochs: run.total_epochs ?? totalEpochs }));
  }

  /** Announces a started run (once the executor follows it, so that listeners find its activity). */
  announceStarted(id: string): void {
    const run = this.deps.store.getRun(id);
    if (run) this.deps.events.emit('run.started', { run });
  }

  /** running → failed: the backend could not start it. */
  async launchFailed(id: string, message: string): Promise<Run> {
    const failed = await this.recordFact(id, (run) => {
      const endedAt = new Date();
      const attempts = withEndedAttempt(run, {
        ended_at: endedAt.toISOString(),
        end_reason: 'launch_error',
        exit_code: null,
        end_signal: null,
        error_message: message,
      });
      return withAnnouncement(transition(run, 'failed', endedAt, { end_reason: 'launch_error', error_message: message, attempts }), 'run.finished');
    });
    this.deps.events.emit('run.finished', { run: failed });
    return failed;
  }

  /** created → queued → running for a tracking-only run: it never waits in the queue. */
  async beginTracking(created: Run): Promise<Run> {
    this.deps.events.emit('run.created', { run: created });
    const now = new Date();
    const run = transition(transition(created, 'queued', now), 'running', now, { gpu_ids: [], handle: null, slot: null });
    await this.deps.store.addRun(run);
    return run;
  }

  /** running → completed, failed or stopped, as the client of a tracking-only run said. */
  async endTracking(id: string, outcome: TrackingOutcome, latest: MetricRecord | null): Promise<Run> {
    const reason: EndReason = outcome.state === 'completed' ? 'success' : outcome.state === 'stopped' ? 'stopped_by_user' : 'code_error';
    const finished = await this.recordFact(id, (run) =>
      withAnnouncement(
        transition(run, outcome.state, new Date(), { end_reason: reason, error_message: outcome.message, final_metrics: finalMetrics(latest) }),
        'run.finished',
      ),
    );
    this.deps.events.emit('run.finished', { run: finished });
    return finished;
  }

  /**
   * The run's process ended: classified on the record as it is now (a stop request that came in while
   * the process was exiting counts), then finished, or queued again when its retry policy says so.
   * A retried run is announced as queued, a finished one as finished.
   */
  async endAttempt(id: string, end: AttemptEnd): Promise<Run> {
    const { exit } = end;
    const next = await this.recordFact(id, (run) => {
      const pastLimit = end.timedOut === true || (!run.stop_requested && endedPastTimeLimit(run.started_at, exit, end.timeLimitS));
      const verdict = end.forcedReason
        ? { state: 'failed' as const, reason: end.forcedReason, signal: null, message: exit.error }
        : classifyExit(exit, { stopRequested: run.stop_requested, timedOut: pastLimit, lastError: end.lastError ?? null });
      const { state, reason, message } = verdict;
      const attempts = withEndedAttempt(run, {
        ended_at: exit.ended_at,
        end_reason: reason,
        exit_code: exit.exit_code,
        end_signal: verdict.signal,
        error_message: message,
      });
      if (state === 'failed' && shouldRetry(run.retry_policy, reason, attempts.length)) {
        const ended = attempts.length;
        const note = `Attempt ${ended} ended: ${reason}${message ? ` (${message})` : ''}; retrying (attempt ${ended + 1} of at most ${run.retry_policy!.max_retries + 1})`;
        return withAnnouncement(requeueForRetry(run, attempts, new Date(), note), 'run.queued');
      }
      return withAnnouncement(
        transition(run, state, new Date(exit.ended_at), {
          exit_code: exit.exit_code,
          end_reason: reason,
          end_signal: verdict.signal,
          error_message: message,
          final_metrics: finalMetrics(end.latest),
          attempts,
        }),
        'run.finished',
      );
    });
    if (next.state === 'queued') await end.beforeRetry?.(next);
    this.deps.events.emit(next.state === 'queued' ? 'run.queued' : 'run.finished', { run: next });
    return next;
  }

  /**
   * The outbound pipeline has `event` of this run in its outboxes. Written within a second, with other
   * writes where there are any: an event announced again after a kill in between is taken once by the
   * outboxes (by its id).
   */
  announced(id: string, event: RunAnnouncement): void {
    const run = this.deps.store.getRun(id);
    const position = run?.unannounced?.indexOf(event) ?? -1;
    if (position === -1) return;
    this.deps.store.patchInMemory(id, { unannounced: run!.unannounced!.filter((_, index) => index !== position) });
    this.deps.store.saveSoon();
  }

  /** Runs with lifecycle events recorded but not known to be in the outboxes (an agent killed in between). */
  unannouncedRuns(): Run[] {
    return this.deps.store.runs.filter((run) => (run.unannounced?.length ?? 0) > 0);
  }

  /**
   * Fast-changing progress (epoch, progress bar), in memory only: it reaches the disk with the run's
   * next update, and after a crash it is recomputed from the run's metrics file.
   */
  recordProgress(id: string, progress: ProgressFields | ((run: Run) => ProgressFields)): void {
    const run = this.deps.store.getRun(id);
    if (!run || run.state !== 'running') return;
    this.deps.store.patchInMemory(id, typeof progress === 'function' ? progress(run) : progress);
  }
}

function finalMetrics(latest: MetricRecord | null): Record<string, number | string> | null {
  if (!latest) return null;
  const { ts: _ts, epoch: _epoch, step: _step, ...metrics } = latest;
  return metrics as Record<string, number | string>;
}
