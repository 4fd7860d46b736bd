import type { QueueState, SlurmClient } from './slurm-client.js';

/** Where a follower asks for its job's queue state. */
export interface QueueSource {
  queueState(jobId: string, jobName: string): Promise<QueueState | null>;
  /** The job is over: leave it out of later queries. */
  release?(jobId: string): void;
}

interface Snapshot {
  /** When the query was sent: its answers are at least this fresh. */
  at: number;
  asked: ReadonlySet<string>;
  rows: ReadonlyMap<string, { state: string; reason: string; name: string }>;
}

/**
 * One `squeue` for every followed job instead of one per job: a follower's question is answered from
 * the last query if that query asked about its job and is under `maxAgeMs` old, and otherwise joins the
 * next query, which asks about every job followed at that moment. With 200 jobs polled every 2 s this
 * is about one `squeue` a second instead of a hundred.
 */
export class QueueReader implements QueueSource {
  private readonly followed = new Set<string>();
  private snapshot: Snapshot | null = null;
  private refreshing: Promise<Snapshot> | null = null;
  private queries = 0;

  constructor(
    private readonly slurm: Pick<SlurmClient, 'queueStates'>,
    private readonly maxAgeMs: number,
    /** The clock answers are aged by (a test's own, so that "too old" does not depend on the machine's load). */
    private readonly now: () => number = Date.now,
  ) {}

  /** How many `squeue` queries were sent (for the benchmark and the logs). */
  get queryCount(): number {
    return this.queries;
  }

  async queueState(jobId: string, jobName: string): Promise<QueueState | null> {
    this.followed.add(jobId);
    const askedAt = this.now();
    for (;;) {
      const snapshot = this.snapshot;
      if (snapshot && snapshot.asked.has(jobId) && snapshot.at >= askedAt - this.maxAgeMs) {
        const row = snapshot.rows.get(jobId);
        // not known any more, or the id now names another job: not ours
        return row && row.name === jobName ? { state: row.state, reason: row.reason } : null;
      }
      await this.refresh();
    }
  }

  release(jobId: string): void {
    this.followed.delete(jobId);
  }

  /** Joins the query in flight, or sends one; a query that fails fails every question waiting on it. */
  private refresh(): Promise<Snapshot> {
    this.refreshing ??= (async () => {
      const asked = new Set(this.followed);
      const at = this.now();
      this.queries++;
      try {
        const rows = await this.slurm.queueStates([...asked]);
        this.snapshot = { at, asked, rows };
        return this.snapshot;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }
}
