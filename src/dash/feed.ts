import type { EventStream, EventStreamState, SseMessage } from '../client/event-stream.js';
import {
  ApiError,
  isFinalState,
  type AlertInfo,
  type LogEntry,
  type MetricPoint,
  type NotificationInfo,
  type RunStatus,
  type TrainerClient,
} from '../client/trainer-client.js';
import {
  UNREAD_KEPT,
  appendLog,
  applyAlert,
  applyMetrics,
  applyNotification,
  applySessions,
  applyStatus,
  chartedMetrics,
  resetCurves,
  resetLog,
  selectedRun,
  setMessage,
  setSeries,
  visibleRuns,
  type DashState,
  type RunFilter,
} from './dash-state.js';

export interface FeedOptions {
  /** GPUs (or CPU and memory) are read this often (ms) */
  gpuIntervalMs: number;

  /** runs asked for on (re)connect */
  sessionLimit: number;
}

export const DEFAULT_FEED_OPTIONS: FeedOptions = { gpuIntervalMs: 2000, sessionLimit: 200 };

/** Points asked for per curve: the chart is ~100 cells wide, with 2 dots a cell. */
const HISTORY_POINTS = 200;
const LOG_TAIL = 500;
const HISTORY_RETRY_MS = 5000;
const HISTORY_RETRY_MAX_MS = 120_000;
/** Scrolling through the table with a key held should not ask for every run's history on the way. */
const SELECT_SETTLE_MS = 120;
/**
 * A run stream resumes from an event id `m<metrics offset>.l<log offset>` (README, Streams). The
 * dashboard resumes the log from the cursor of its tail read and points the metrics part past the end
 * of any file, so that nothing of the metrics is replayed: it has them from the event stream.
 */
const NO_METRICS_REPLAY = 999_999_999_999_999;

/**
 * Keeps a DashState current from one agent: the event stream (/api/v1/sse/events) for every run's
 * status and metrics, a run stream (/api/v1/sse/training/{id}) for the selected run's log, a REST
 * read of the runs, alerts and unread notifications on every (re)connect (the event stream does not
 * resume; alerts and notifications then come as events), and a poll of the GPUs, which have no stream.
 */
export class DashFeed {
  private events: EventStream | null = null;
  private logStream: EventStream | null = null;
  private timers: NodeJS.Timeout[] = [];
  private selectTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private polling = { gpus: false, alerts: false };
  /** bumped on each selection: answers for an older one are dropped */
  private generation = 0;
  /** failed history reads of the selected run, by metric */
  private historyFailures = new Map<string, number>();

  constructor(
    private readonly client: TrainerClient,
    private readonly state: DashState,
    /** `routine`: new metric points and the clock, which may wait a little longer to be drawn */
    private readonly changed: (urgency?: 'urgent' | 'routine') => void,
    private readonly options: FeedOptions = DEFAULT_FEED_OPTIONS,
  ) {}

  start(): void {
    this.events = this.client
      .stream('/api/v1/sse/events', { onMessage: (message) => this.onEvent(message), onState: (state) => this.onConnection(state) })
      .start();
    this.timers.push(setInterval(() => void this.pollGpus(), this.options.gpuIntervalMs));
    // the elapsed and ETA columns move with the clock
    this.timers.push(
      setInterval(() => {
        this.state.now = Date.now();
        this.changed('routine');
      }, 1000),
    );
    void this.pollGpus();
  }

  close(): void {
    this.closed = true;
    this.events?.close();
    this.logStream?.close();
    for (const timer of this.timers) clearInterval(timer);
    if (this.selectTimer) clearTimeout(this.selectTimer);
  }

  /** Selects a run; its curves and log load once the selection settles. */
  select(runId: string | null): void {
    if (runId === this.state.selectedId && this.state.curves.runId === runId) return;
    this.state.selectedId = runId;
    this.changed();
    if (this.selectTimer) clearTimeout(this.selectTimer);
    this.selectTimer = setTimeout(() => this.loadSelected(), SELECT_SETTLE_MS);
  }

  setFilter(filter: RunFilter): void {
    this.state.filter = filter;
    const rows = visibleRuns(this.state);
    if (!rows.some((row) => row.id === this.state.selectedId)) this.select(rows[0]?.id ?? null);
    this.changed();
  }

  async stop(runId: string): Promise<void> {
    const row = this.state.runs.get(runId);
    this.message(`${row?.state === 'queued' ? 'Cancelling' : 'Stopping'} ${runId}…`);
    try {
      const result = await this.client.stop(runId);
      this.message(result.message || `${runId} ${result.state}`);
    } catch (error) {
      this.message(`Could not stop ${runId}: ${describe(error)}`, 'error');
    }
  }

  async startRun(recipe: string, params: Record<string, string>): Promise<void> {
    this.message(`Starting ${recipe}…`);
    try {
      const created = await this.client.createSession({ recipe, params, start: true });
      this.message(`${created.session_id} ${created.status} (${recipe})`);
      // the event stream may have brought the run already; if not, its status comes soon
      if (!this.state.runs.has(created.session_id))
        applyStatus(this.state, await this.client.status(created.session_id), { params: created.config, createdAt: created.created_at });
      if (this.state.filter !== 'all' && this.state.filter !== 'active' && this.state.filter !== created.status) this.state.filter = 'all';
      this.select(created.session_id);
    } catch (error) {
      this.message(`Could not start ${recipe}: ${describe(error)}`, 'error');
    }
  }

  async loadRecipes(): Promise<void> {
    try {
      this.state.recipes = await this.client.recipes();
      this.changed();
    } catch (error) {
      this.message(`Could not read the recipes: ${describe(error)}`, 'error');
    }
  }

  /** Name, parameters and creation time of a run first seen on the event stream (whose events carry only the status). */
  async loadDetails(runId: string): Promise<void> {
    const row = this.state.runs.get(runId);
    if (!row || row.params !== null) return;
    try {
      const detail = await this.client.sessionDetail(runId);
      row.params = detail.config;
      row.name = detail.session_name;
      row.createdAt = detail.created_at;
      this.changed();
    } catch (error) {
      this.message(`Could not read ${runId}: ${describe(error)}`, 'error');
    }
  }

  private message(text: string, level: 'info' | 'error' = 'info'): void {
    this.state.now = Date.now();
    setMessage(this.state, text, level);
    this.changed();
  }

  private onConnection(stream: EventStreamState): void {
    const now = Date.now();
    const { connection } = this.state;
    if (stream.state === 'open') {
      this.state.connection = { state: 'connected', since: now };
      // events may have been missed while away (the event stream does not resume): read the runs again
      void this.resync();
    } else if (stream.state === 'connecting') {
      if (connection.state !== 'down') this.state.connection = { state: 'connecting', since: now, attempt: stream.attempt };
    } else if (stream.state === 'down') {
      const detail =
        stream.status === 401 || stream.status === 403
          ? `the API key was refused (${stream.status}); give one with --api-key or TRAINER_API_KEY`
          : stream.detail;
      this.state.connection = { state: 'down', since: connection.state === 'down' ? connection.since : now, detail, fatal: stream.fatal };
    }
    this.changed();
  }

  private onEvent(message: SseMessage): void {
    if (message.event === 'status') {
      const status = message.data as RunStatus;
      const isNew = !this.state.runs.has(status.session_id);
      applyStatus(this.state, status);
      // the first run of an empty dashboard gets selected: load its curves and log
      if (this.state.selectedId === status.session_id && (isNew || this.state.log.runId !== status.session_id)) this.select(status.session_id);
    } else if (message.event === 'metrics') {
      const point = message.data as MetricPoint;
      applyMetrics(this.state, point);
      if (this.state.curves.runId === point.session_id) this.requestMissingSeries(point.session_id);
      return this.changed('routine');
    } else if (message.event === 'alert') {
      if (!this.state.alertsAvailable || !applyAlert(this.state, message.data as AlertInfo)) return;
    } else if (message.event === 'notification') {
      if (!this.state.alertsAvailable) return;
      applyNotification(this.state, message.data as NotificationInfo);
    } else return;
    this.changed();
  }

  private async resync(): Promise<void> {
    try {
      const { sessions } = await this.client.listSessions({ limit: this.options.sessionLimit });
      if (this.closed) return;
      applySessions(this.state, sessions);
      this.changed();
      void this.readAlerts();
      // what the selected run did while the dashboard was away
      this.loadSelected();
      // the table's loss and metric columns: the latest point of the runs on screen
      const wanted = visibleRuns(this.state)
        .filter((row) => row.state !== 'queued' && row.state !== 'created' && Object.keys(row.metrics).length === 0)
        .slice(0, 60);
      await eachLimited(wanted, 6, (row) => this.loadLatest([row]));
    } catch (error) {
      if (!this.closed) this.message(`Could not read the runs: ${describe(error)}`, 'error');
    }
  }

  private async loadLatest(rows: { id: string; state: string; metrics: Record<string, number> }[]): Promise<void> {
    for (const row of rows) {
      if (row.state === 'queued' || row.state === 'created' || Object.keys(row.metrics).length > 0) continue;
      const point = await this.client.latestMetrics(row.id).catch(() => null);
      if (point && point.timestamp !== null && !this.closed) {
        applyMetrics(this.state, point);
        this.changed();
      }
    }
  }

  /** History and log of the selected run: read once, then kept current by the streams. */
  private loadSelected(): void {
    const row = selectedRun(this.state);
    const generation = ++this.generation;
    this.logStream?.close();
    this.logStream = null;
    resetCurves(this.state, row?.id ?? null);
    this.historyFailures.clear();
    resetLog(this.state, row?.id ?? null);
    this.changed();
    if (!row) return;
    // the curves to draw depend on the metrics the run reports: its latest point tells them
    void this.loadLatest([row]).then(() => {
      if (generation === this.generation) this.requestMissingSeries(row.id);
    });
    void this.loadLog(row.id, generation);
  }

  private requestMissingSeries(runId: string): void {
    const row = this.state.runs.get(runId);
    if (!row) return;
    const generation = this.generation;
    const missing = chartedMetrics(row).filter((name) => !this.state.curves.requested.has(name));
    if (missing.length === 0) return;
    for (const name of missing) this.state.curves.requested.add(name);
    // a new series collects live points at once; the history merges in under them when it arrives
    for (const name of missing) if (!this.state.curves.series.has(name)) this.state.curves.series.set(name, { name, xs: [], ys: [] });
    this.state.curves.loading = true;
    void Promise.all(
      missing.map(async (name) => {
        const points = await this.client.metricSeries(runId, { metric_name: name, max_points: HISTORY_POINTS }).catch(() => null);
        if (generation !== this.generation) return;
        if (points) {
          setSeries(this.state, runId, name, points);
          return;
        }
        // a busy agent may have timed out: asked again with a later point, less and less often (the
        // agent goes on with an abandoned query, and more of them would only slow it further)
        const failures = (this.historyFailures.get(name) ?? 0) + 1;
        this.historyFailures.set(name, failures);
        const wait = Math.min(HISTORY_RETRY_MAX_MS, HISTORY_RETRY_MS * 3 ** (failures - 1));
        setTimeout(() => generation === this.generation && this.state.curves.requested.delete(name), wait).unref();
      }),
    ).then(() => {
      if (generation !== this.generation) return;
      this.state.curves.loading = false;
      this.changed();
    });
  }

  private async loadLog(runId: string, generation: number): Promise<void> {
    let cursor: number;
    let overlap: LogOverlap;
    try {
      const page = await this.client.logs(runId, { limit: LOG_TAIL });
      if (generation !== this.generation) return;
      appendLog(this.state, runId, page.entries);
      cursor = page.nextCursor;
      overlap = new LogOverlap(page.entries);
    } catch (error) {
      if (generation !== this.generation) return;
      this.state.log.loading = false;
      this.message(`Could not read the log of ${runId}: ${describe(error)}`, 'error');
      return;
    }
    this.state.log.loading = false;
    this.changed();
    const row = this.state.runs.get(runId);
    if (!row || isFinalState(row.state)) return;
    let final = false;
    this.logStream = this.client
      .stream(`/api/v1/sse/training/${encodeURIComponent(runId)}`, {
        lastEventId: `m${NO_METRICS_REPLAY}.l${cursor}`,
        onMessage: (message) => {
          if (message.event === 'log') {
            const entry = message.data as LogEntry;
            if (overlap.seen(entry)) return;
            appendLog(this.state, runId, [entry]);
            this.changed();
          } else if (message.event === 'status' && isFinalState((message.data as RunStatus).state)) final = true;
        },
        onState: (stream) => {
          if (generation !== this.generation) return;
          this.state.log.live = stream.state === 'open';
          this.changed();
        },
        // the agent ends a run's stream after its final status: nothing more will come
        reconnectAfterEnd: () => !final,
      })
      .start();
  }

  private async pollGpus(): Promise<void> {
    if (this.polling.gpus || this.closed || this.state.connection.state === 'down') return;
    this.polling.gpus = true;
    try {
      const gpus = await this.client.gpus();
      this.state.gpus = gpus;
      if (gpus.length === 0) this.state.system = await this.client.systemInfo();
      this.changed();
    } catch {
      // the event stream tells whether the agent is there; a missed reading is taken again next time
    } finally {
      this.polling.gpus = false;
    }
  }

  private async readAlerts(): Promise<void> {
    if (this.polling.alerts || this.closed || !this.state.alertsAvailable) return;
    this.polling.alerts = true;
    try {
      const [alerts, unread] = await Promise.all([this.client.alerts({ status: 'active' }), this.client.notifications({ unread: true })]);
      if (this.closed) return;
      this.state.alerts = alerts;
      this.state.notifications = unread.sort((a, b) => b.created_at.localeCompare(a.created_at)).slice(0, UNREAD_KEPT);
      this.changed();
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.status === 405)) {
        this.state.alertsAvailable = false;
        this.changed();
      }
    } finally {
      this.polling.alerts = false;
    }
  }
}

/**
 * The tail read may have read lines that the agent's follower had not yet ingested when the stream
 * opened: the stream then sends them live, a second time. Those come first, in the tail's order,
 * identical to the last (timestamp, level, message) of the tail; they are recognized and dropped.
 */
export class LogOverlap {
  private readonly keys: string[];
  private next = -1;
  private done = false;

  constructor(tail: LogEntry[]) {
    this.keys = tail.slice(-200).map(logKey);
    this.done = this.keys.length === 0;
  }

  /** true: the entry is one the tail already had */
  seen(entry: LogEntry): boolean {
    if (this.done) return false;
    const key = logKey(entry);
    if (this.next === -1) {
      const index = this.keys.lastIndexOf(key);
      this.next = index + 1;
      this.done = index === -1 || this.next === this.keys.length;
      return index !== -1;
    }
    if (this.keys[this.next] === key) {
      this.next++;
      this.done = this.next === this.keys.length;
      return true;
    }
    this.done = true;
    return false;
  }
}

const logKey = (entry: LogEntry) => `${entry.timestamp}\u0000${entry.level}\u0000${entry.message}`;

function describe(error: unknown): string {
  return error instanceof ApiError ? error.detail : error instanceof Error ? error.message : String(error);
}

/** Runs `task` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}
