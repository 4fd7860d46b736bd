import type { ExitRecord, Logger, MetricsFormat, RunOutputWriter } from '../../../src/plugins/sdk.js';
import { findJobcompRecord } from './jobcomp-file.js';
import { exitRecordFor, isTerminal, slurmTime, type JobEnd } from './job-states.js';
import type { JobOutputTailer } from './output-tailer.js';
import type { QueueSource } from './queue-reader.js';
import type { SlurmClient } from './slurm-client.js';

/** The follower's resume state, kept in the run's directory (through the store's RunOutputWriter). */
export interface FollowState {
  job_id: string;
  /** The job's name: the run id (checked, so that a reused job id is never taken for this job). */
  job_name: string;
  /** How the recipe's output is parsed, for a follower that a restarted agent creates. */
  metrics_regex: string | null;
  log_metric_lines: boolean;
  /** The recipe's metrics_format (absent in states saved before it existed: auto). */
  metrics_format?: MetricsFormat;
  /** The recipe's stop_signal, sent first on a stop (absent in states saved before it existed: SIGTERM). */
  stop_signal?: NodeJS.Signals;
  /** The run's log cap (run_log_cap_mb) when it was submitted, kept for a restarted agent's writer (absent in older states: none). */
  log_cap_bytes?: number | null;
  /** Bytes of the job's stdout and stderr files already turned into log and metric records. */
  out_offset: number;
  err_offset: number;
  /** When a stop was asked for, and the grace before `scancel`: a restarted agent still escalates. */
  stop_requested_at: string | null;
  stop_grace_ms: number | null;
  cancel_sent: boolean;
}

export const FOLLOW_STATE_FILE = 'slurm-follow.json';

export interface FollowerOptions {
  pollIntervalMs: number;
  outputPollMs: number;
  /** The jobcomp/filetxt file, if there is one to read (looked up once, lazily). */
  jobcompFile: () => Promise<string | null>;
  /** Probes of a job the controller no longer knows, with no record anywhere, before it is declared lost. */
  goneProbesBeforeLost: number;
}

/**
 * Follows one Slurm job from the agent process: no supervisor process is needed, Slurm keeps the job
 * alive across agent restarts. It tails the job's output into the run's log and metrics, polls the
 * controller for the job's state, escalates a stop after its grace period, and when the job is over
 * writes the exit record and resolves `finished`.
 */
export class JobFollower {
  readonly finished: Promise<ExitRecord>;
  private resolveFinished!: (exit: ExitRecord) => void;
  private closed = false;
  private ended = false;
  private writerOpen = true;
  private loopDone: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;
  private nextProbeAt = 0;
  private goneProbes = 0;
  private lastReported = '';
  private lastState = '';
  private lastProblem = '';

  constructor(
    private readonly slurm: SlurmClient,
    private readonly state: FollowState,
    private readonly writer: RunOutputWriter,
    private readonly tailer: JobOutputTailer,
    private readonly options: FollowerOptions,
    private readonly logger: Logger,
    /** The job's queue state; shared by all followers in the backend (one `squeue` for every job). */
    private readonly queue: QueueSource = slurm,
  ) {
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
  }

  get jobId(): string {
    return this.state.job_id;
  }

  private get jobName(): string {
    return this.state.job_name;
  }

  start(): void {
    this.loopDone = this.loop();
  }

  /** The recipe's stop signal to the job now (a pending job is simply cancelled), `scancel` once `graceMs` has passed. */
  async requestStop(graceMs: number): Promise<void> {
    if (this.state.stop_requested_at !== null || this.ended) return;
    this.state.stop_requested_at = new Date().toISOString();
    this.state.stop_grace_ms = graceMs;
    this.saveState();
    const queued = await this.queue.queueState(this.jobId, this.jobName).catch(() => null);
    if (queued?.state === 'COMPLETING') return;
    if (queued && queued.state !== 'RUNNING') {
      this.note('INFO', `Stop requested while Slurm job ${this.jobId} is ${queued.state}: scancel`);
      await this.cancel();
    } else {
      const signal = this.state.stop_signal ?? 'SIGTERM';
      const name = signal.replace(/^SIG/, '');
      this.note('INFO', `Stop requested: ${signal} to Slurm job ${this.jobId} (scancel --full --signal=${name}), scancel in ${graceMs} ms if still running`);
      await this.slurm
        .signal(this.jobId, name)
        .catch((error: Error) => this.logger.warn(`scancel --signal=${name} failed`, { job: this.jobId, error: error.message }));
    }
    this.nextProbeAt = 0;
    this.wake?.();
  }

  /** The agent is going away; the job is not. A later agent resumes from the saved state. */
  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.loopDone;
    this.closeWriter();
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      try {
        if (await this.tailer.poll()) this.saveState();
        if (Date.now() >= this.nextProbeAt) {
          this.nextProbeAt = Date.now() + this.options.pollIntervalMs;
          const exit = await this.probe();
          if (exit && !this.closed) return this.finish(exit);
          await this.escalateStop();
        }
        this.problemSolved();
      } catch (error) {
        this.problem((error as Error).message);
      }
      await this.sleep(this.options.outputPollMs);
    }
  }

  /** The exit record once the job is over; null while it is not (or while that cannot be told yet). */
  private async probe(): Promise<ExitRecord | null> {
    const queued = await this.queue.queueState(this.jobId, this.jobName);
    this.problemSolved(); // the controller answered: say so before what it said
    if (queued && !isTerminal(queued.state)) {
      this.goneProbes = 0;
      this.lastState = queued.state;
      this.report(queued.state, queued.reason);
      return null;
    }
    const end =
      (queued ? await this.slurm.endFromController(this.jobId, this.jobName) : null) ??
      (await this.slurm.endFromAccounting(this.jobId, this.jobName)) ??
      (await this.fromJobcomp());
    if (end) return exitRecordFor(this.jobId, end, this.state.stop_requested_at !== null, endedAt(end));
    if (++this.goneProbes < this.options.goneProbesBeforeLost) return null;
    return {
      exit_code: null,
      signal: null,
      stop_requested: this.state.stop_requested_at !== null,
      error: `Slurm job ${this.jobId} is no longer known to the controller, and neither accounting (sacct) nor a jobcomp file has its record: how it ended is unknown`,
      ended_at: new Date().toISOString(),
    };
  }

  private async fromJobcomp(): Promise<JobEnd | null> {
    const file = await this.options.jobcompFile();
    return file ? findJobcompRecord(file, this.jobId, this.jobName) : null;
  }

  private async escalateStop(): Promise<void> {
    const { stop_requested_at: requestedAt, stop_grace_ms: graceMs, cancel_sent: sent } = this.state;
    if (requestedAt === null || sent || this.lastState === 'COMPLETING' || Date.now() - Date.parse(requestedAt) < (graceMs ?? 0)) return;
    this.note('INFO', `Slurm job ${this.jobId} still runs after the grace period: scancel (Slurm sends SIGKILL after its KillWait)`);
    await this.cancel();
  }

  private async cancel(): Promise<void> {
    try {
      await this.slurm.cancel(this.jobId);
    } catch (error) {
      // ended meanwhile: nothing left to cancel; anything else is retried at the next poll
      if (!/already complet|Invalid job id/i.test((error as Error).message)) throw error;
    }
    this.state.cancel_sent = true;
    this.saveState();
  }

  private async finish(exit: ExitRecord): Promise<void> {
    await this.tailer.poll(true); // what the job printed last
    this.ended = true;
    const summary =
      exit.error ??
      (exit.signal ? `Slurm job ${this.jobId} ended: killed by ${exit.signal}` : `Slurm job ${this.jobId} ended with exit code ${exit.exit_code}`);
    this.note(exit.exit_code === 0 || exit.stop_requested ? 'INFO' : 'ERROR', summary);
    this.saveState();
    this.writer.writeExit(exit);
    this.closeWriter();
    this.queue.release?.(this.jobId);
    this.resolveFinished(exit);
  }

  /** A line in the run's log when the job's state changes (PENDING (Resources) → RUNNING …). */
  private report(state: string, reason: string): void {
    const text = reason && reason !== 'None' ? `${state} (${reason})` : state;
    if (text === this.lastReported) return;
    this.lastReported = text;
    this.note('INFO', `Slurm job ${this.jobId} is ${text}`);
  }

  private problem(message: string): void {
    this.logger.warn('following a Slurm job failed; retrying', { job: this.jobId, error: message });
    if (message === this.lastProblem || this.closed) return;
    this.lastProblem = message;
    this.note('WARNING', `Cannot follow Slurm job ${this.jobId} right now (retrying): ${message}`);
  }

  private problemSolved(): void {
    if (!this.lastProblem) return;
    this.lastProblem = '';
    this.note('INFO', `Following Slurm job ${this.jobId} again`);
  }

  private note(level: string, message: string): void {
    if (!this.writerOpen) return;
    this.writer.appendLogs([{ ts: new Date().toISOString(), level, stream: 'agent', message }]);
  }

  /** Saves the resume state (offsets, stop request) in the run's directory. */
  saveState(): void {
    if (!this.writerOpen) return;
    const { out, err } = this.tailer.offsets;
    Object.assign(this.state, { out_offset: out, err_offset: err });
    this.writer.writeRunFile(FOLLOW_STATE_FILE, JSON.stringify(this.state));
  }

  private closeWriter(): void {
    if (!this.writerOpen) return;
    this.writerOpen = false;
    this.writer.close();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

/** Slurm's EndTime when the job ended a while ago (the agent was down), else now: second-granular and zone-less, it is only better when late. */
function endedAt(end: JobEnd): string {
  const now = Date.now();
  const slurmEnd = slurmTime(end.endTime);
  return slurmEnd && now - slurmEnd.getTime() > 5000 ? slurmEnd.toISOString() : new Date(now).toISOString();
}
