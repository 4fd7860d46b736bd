import type { QueueState, SlurmClient } from './slurm-client.js';

interface Waiter {
  jobName: string;
  resolve: (state: QueueState | null) => void;
  reject: (error: Error) => void;
}

/**
 * One `squeue` for every followed job instead of one per job: the state requests that arrive while a
 * poll is in flight, or within `minGapMs` of the last one, are answered together by the next poll. The
 * controller's load is then at most one squeue per `minGapMs` whatever the number of jobs; a job's
 * answer is at most `minGapMs` (plus one squeue) late.
 */
export class SharedQueuePoll {
  private waiting = new Map<string, Waiter[]>();
  private timer: NodeJS.Timeout | null = null;
  private inFlight = false;
  private lastPollAt = 0;
  /** What polling has cost so far (for benchmarks and the logs). */
  readonly stats = { polls: 0, jobsAsked: 0, requests: 0 };

  constructor(
    private readonly slurm: Pick<SlurmClient, 'queueStates'>,
    private readonly minGapMs: number,
  ) {}

  /** The job's state and reason while the controller knows it under this name; null when it does not. */
  queueState(jobId: string, jobName: string): Promise<QueueState | null> {
    this.stats.requests++;
    return new Promise((resolve, reject) => {
      const waiters = this.waiting.get(jobId) ?? [];
      waiters.push({ jobName, resolve, reject });
      this.waiting.set(jobId, waiters);
      this.schedule();
    });
  }

  /** Nothing is left waiting: pending requests fail (the backend is closing). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const waiting = this.waiting;
    this.waiting = new Map();
    for (const waiters of waiting.values()) for (const waiter of waiters) waiter.reject(new Error('the Slurm backend is closing'));
  }

  private schedule(): void {
    if (this.timer || this.inFlight) return;
    const delay = Math.max(0, this.lastPollAt + this.minGapMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.poll();
    }, delay);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    const batch = this.waiting;
    this.waiting = new Map();
    if (batch.size === 0) return;
    this.inFlight = true;
    this.lastPollAt = Date.now();
    this.stats.polls++;
    this.stats.jobsAsked += batch.size;
    try {
      const states = await this.slurm.queueStates([...batch.keys()]);
      for (const [jobId, waiters] of batch) {
        const found = states.get(jobId);
        // a reused job id names another job: not ours
        for (const waiter of waiters) waiter.resolve(found && found.name === waiter.jobName ? { state: found.state, reason: found.reason } : null);
      }
    } catch (error) {
      for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error as Error);
    } finally {
      this.inFlight = false;
      if (this.waiting.size > 0) this.schedule();
    }
  }
}
