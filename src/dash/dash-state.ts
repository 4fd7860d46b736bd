import {
  isFinalState,
  type AlertInfo,
  type GpuInfo,
  type LogEntry,
  type NotificationInfo,
  type RecipeInfo,
  type RunStatus,
  type SessionSummary,
  type SystemInfo,
} from '../client/trainer-client.js';

/**
 * What the dashboard knows about the agent. The feed (feed.ts) writes it from REST answers and stream
 * events through the apply* functions below; the widgets read it and draw. Nothing here touches a
 * terminal or the network, so all of it runs in unit tests.
 */
export interface DashState {
  agentUrl: string;
  connection: ConnectionState;
  runs: Map<string, RunRow>;
  selectedId: string | null;
  filter: RunFilter;
  /** null until the first answer */
  gpus: GpuInfo[] | null;
  system: SystemInfo | null;
  /** Active alerts; null until the first answer, or when the agent has no alerting API. */
  alerts: AlertInfo[] | null;
  alertsAvailable: boolean;
  /** Unread notifications, newest first (at most UNREAD_KEPT); null until the first answer. */
  notifications: NotificationInfo[] | null;
  curves: CurveState;
  log: LogState;
  recipes: RecipeInfo[] | null;
  message: { text: string; level: 'info' | 'error'; at: number } | null;
  /** The clock the elapsed and ETA columns are computed against (ms). */
  now: number;
}

export type ConnectionState =
  | { state: 'connecting'; since: number; attempt: number }
  | { state: 'connected'; since: number }
  | { state: 'down'; since: number; detail: string; fatal: boolean };

export interface RunRow {
  id: string;
  name: string | null;
  recipe: string;
  state: string;
  epoch: number | null;
  totalEpochs: number | null;
  /** The agent's 0..1 (from a progress bar when there are no epochs). */
  reportedProgress: number | null;
  createdAt: string | null;
  queuedAt: string | null;
  startedAt: string | null;
  endedAt: string | null;
  gpus: number;
  gpuIds: number[];
  priority: number;
  exitCode: number | null;
  endReason: string | null;
  error: string | null;
  /** null when only the status is known (a run first seen on the event stream) */
  params: Record<string, unknown> | null;
  /** The latest value of every numeric metric, merged over the points as they come. */
  metrics: Record<string, number>;
  metricsAt: string | null;
}

export interface Series {
  name: string;
  /** x: the epoch (or step, or index) of each point */
  xs: number[];
  ys: number[];
}

export interface CurveState {
  runId: string | null;
  series: Map<string, Series>;
  /** metric names whose history was asked for, for this run */
  requested: Set<string>;
  loading: boolean;
}

export interface LogState {
  runId: string | null;
  entries: LogEntry[];
  loading: boolean;
  /** a live stream follows the run */
  live: boolean;
}

export const RUN_FILTERS = ['all', 'active', 'running', 'queued', 'created', 'completed', 'failed', 'stopped', 'cancelled'] as const;
export type RunFilter = (typeof RUN_FILTERS)[number];
export const ACTIVE_STATES: readonly string[] = ['running', 'queued', 'created'];

/** Runs kept in memory: every active one plus the newest finished ones. */
export const MAX_FINISHED_RUNS = 200;
export const MAX_LOG_ENTRIES = 5000;
/** A curve longer than this is halved (every other point) so that drawing stays cheap. */
export const MAX_SERIES_POINTS = 400;

export function createDashState(agentUrl: string, now = Date.now()): DashState {
  return {
    agentUrl,
    connection: { state: 'connecting', since: now, attempt: 1 },
    runs: new Map(),
    selectedId: null,
    filter: 'all',
    gpus: null,
    system: null,
    alerts: null,
    alertsAvailable: true,
    notifications: null,
    curves: { runId: null, series: new Map(), requested: new Set(), loading: false },
    log: { runId: null, entries: [], loading: false, live: false },
    recipes: null,
    message: null,
    now,
  };
}

/** A status as the agent sends it (REST or the `status` stream event) merged into a row. */
export function applyStatus(state: DashState, status: RunStatus, extra: RowExtras = {}): RunRow {
  const row = mergeStatus(state, status, extra);
  if (state.selectedId === null) state.selectedId = visibleRuns(state)[0]?.id ?? null;
  pruneFinished(state);
  return row;
}

interface RowExtras {
  name?: string | null;
  createdAt?: string | null;
  params?: Record<string, unknown> | null;
}

function mergeStatus(state: DashState, status: RunStatus, extra: RowExtras): RunRow {
  const previous = state.runs.get(status.session_id);
  const row: RunRow = {
    id: status.session_id,
    name: extra.name !== undefined ? extra.name : (previous?.name ?? null),
    recipe: status.recipe,
    state: status.state,
    // an epoch seen in the metrics may be ahead of the last status
    epoch: maxOrNull(status.current_epoch, previous?.state === status.state ? previous.epoch : null),
    totalEpochs: status.total_epochs,
    reportedProgress: status.progress ?? null,
    createdAt: extra.createdAt ?? previous?.createdAt ?? status.queued_at ?? status.start_time ?? null,
    queuedAt: status.queued_at,
    startedAt: status.start_time,
    endedAt: status.end_time,
    gpus: status.gpus,
    gpuIds: status.gpu_ids ?? [],
    priority: status.priority,
    exitCode: status.exit_code,
    endReason: status.end_reason,
    error: status.error_message,
    params: extra.params !== undefined ? extra.params : (previous?.params ?? null),
    metrics: previous?.metrics ?? {},
    metricsAt: previous?.metricsAt ?? null,
  };
  state.runs.set(row.id, row);
  return row;
}

/**
 * A page of GET /api/v1/training/sessions (newest first) after a (re)connect: it replaces what the
 * dashboard knew, since events may have been missed while it was away. Known metrics are kept.
 */
export function applySessions(state: DashState, sessions: SessionSummary[]): void {
  const seen = new Set<string>();
  for (const session of sessions) {
    mergeStatus(state, session.status, { name: session.session_name, createdAt: session.created_at, params: session.config });
    seen.add(session.session_id);
  }
  // a run the agent no longer lists among the newest is kept only while it may still change
  for (const [id, row] of state.runs) if (!seen.has(id) && isFinalState(row.state)) state.runs.delete(id);
  pruneFinished(state);
  if (state.selectedId !== null && !state.runs.has(state.selectedId)) state.selectedId = null;
  if (state.selectedId === null) state.selectedId = visibleRuns(state)[0]?.id ?? null;
}

/** A metric point (the `metrics` stream event, or GET …/metrics) merged into its run's row. */
export function applyMetrics(state: DashState, point: Record<string, unknown> & { session_id: string }): void {
  const row = state.runs.get(point.session_id);
  if (!row) return;
  for (const [key, value] of Object.entries(point)) {
    if (NOT_METRICS.has(key)) continue;
    if (typeof value === 'number') row.metrics[key] = value;
  }
  if (typeof point.timestamp === 'string') row.metricsAt = point.timestamp;
  if (typeof point.epoch === 'number' && !isFinalState(row.state)) row.epoch = Math.max(row.epoch ?? 0, point.epoch);
  if (state.curves.runId === row.id) appendPoint(state.curves, point);
}

const NOT_METRICS = new Set(['session_id', 'epoch', 'step', 'timestamp']);

function appendPoint(curves: CurveState, point: Record<string, unknown>): void {
  for (const [name, series] of curves.series) {
    const value = point[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    const x = typeof point.epoch === 'number' ? point.epoch : typeof point.step === 'number' ? point.step : (series.xs.at(-1) ?? 0) + 1;
    // a point the history already holds (it raced with the live stream) comes once only
    if (series.xs.length > 0 && x <= series.xs.at(-1)!) continue;
    series.xs.push(x);
    series.ys.push(value);
    if (series.xs.length > MAX_SERIES_POINTS) halve(series);
  }
}

function halve(series: Series): void {
  const keep = (_: number, index: number, all: number[]) => index % 2 === 0 || index === all.length - 1;
  series.xs = series.xs.filter(keep);
  series.ys = series.ys.filter(keep);
}

/** A metric's history for the selected run (GET …/history?metric_name=…&max_points=…). */
export function setSeries(state: DashState, runId: string, name: string, points: Record<string, unknown>[]): void {
  if (state.curves.runId !== runId) return;
  const series: Series = { name, xs: [], ys: [] };
  points.forEach((point, index) => {
    const value = point[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) return;
    series.xs.push(typeof point.epoch === 'number' ? point.epoch : typeof point.step === 'number' ? point.step : index + 1);
    series.ys.push(value);
  });
  // live points that came while the history was on its way
  const live = state.curves.series.get(name);
  if (live) {
    const last = series.xs.at(-1) ?? -Infinity;
    live.xs.forEach((x, index) => {
      if (x > last) {
        series.xs.push(x);
        series.ys.push(live.ys[index]!);
      }
    });
  }
  while (series.xs.length > MAX_SERIES_POINTS) halve(series);
  state.curves.series.set(name, series);
}

/** Starts the curves of another run: empty until its history arrives. */
export function resetCurves(state: DashState, runId: string | null): void {
  state.curves = { runId, series: new Map(), requested: new Set(), loading: runId !== null };
}

export function resetLog(state: DashState, runId: string | null): void {
  state.log = { runId, entries: [], loading: runId !== null, live: false };
}

export function appendLog(state: DashState, runId: string, entries: LogEntry[]): void {
  if (state.log.runId !== runId) return;
  state.log.entries.push(...entries);
  if (state.log.entries.length > MAX_LOG_ENTRIES) state.log.entries.splice(0, state.log.entries.length - MAX_LOG_ENTRIES);
}

export function setMessage(state: DashState, text: string, level: 'info' | 'error' = 'info'): void {
  state.message = { text, level, at: state.now };
}

function pruneFinished(state: DashState): void {
  let finished = 0;
  for (const row of state.runs.values()) if (isFinalState(row.state)) finished++;
  if (finished <= MAX_FINISHED_RUNS) return;
  const oldest = [...state.runs.values()]
    .filter((row) => isFinalState(row.state) && row.id !== state.selectedId)
    .sort((a, b) => endKey(a).localeCompare(endKey(b)));
  for (const row of oldest.slice(0, finished - MAX_FINISHED_RUNS)) state.runs.delete(row.id);
}

const endKey = (row: RunRow) => row.endedAt ?? row.createdAt ?? '';

const GROUP: Record<string, number> = { running: 0, queued: 1, created: 2 };

/**
 * The runs the table shows, in its order: what runs (oldest start first), what waits (in the order the
 * scheduler will start it: priority, then first come), what is defined but not started, then what
 * ended, newest first.
 */
export function visibleRuns(state: DashState): RunRow[] {
  const rows = [...state.runs.values()].filter((row) => matchesFilter(row.state, state.filter));
  return rows.sort((a, b) => {
    const ga = GROUP[a.state] ?? 3;
    const gb = GROUP[b.state] ?? 3;
    if (ga !== gb) return ga - gb;
    if (ga === 0) return (a.startedAt ?? '').localeCompare(b.startedAt ?? '') || a.id.localeCompare(b.id);
    if (ga === 1) return b.priority - a.priority || (a.queuedAt ?? '').localeCompare(b.queuedAt ?? '') || a.id.localeCompare(b.id);
    if (ga === 2) return (b.createdAt ?? '').localeCompare(a.createdAt ?? '') || a.id.localeCompare(b.id);
    return endKey(b).localeCompare(endKey(a)) || b.id.localeCompare(a.id);
  });
}

export function matchesFilter(state: string, filter: RunFilter): boolean {
  if (filter === 'all') return true;
  if (filter === 'active') return ACTIVE_STATES.includes(state);
  return state === filter;
}

export function selectedRun(state: DashState): RunRow | null {
  return state.selectedId === null ? null : (state.runs.get(state.selectedId) ?? null);
}

/** Counts by state, for labels and the status line. */
export function countByState(state: DashState): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const row of state.runs.values()) counts[row.state] = (counts[row.state] ?? 0) + 1;
  return counts;
}

/**
 * The metric shown beside the loss: a validation metric if the run reports one (accuracy-like before
 * loss-like), else its first metric that is not a loss.
 */
export function pickValMetric(names: string[]): string | null {
  const val = names.filter((name) => /^val[_-]/i.test(name) || /^validation[_-]/i.test(name));
  return val.find((name) => !/loss/i.test(name)) ?? val[0] ?? names.find((name) => !/loss/i.test(name)) ?? null;
}

/** The losses drawn together on the loss chart: `loss` and `val_loss` first, at most three. */
export function pickLossMetrics(names: string[]): string[] {
  const losses = names.filter((name) => /loss/i.test(name));
  const rank = (name: string) => (name === 'loss' ? 0 : name === 'val_loss' ? 1 : /^train/i.test(name) ? 2 : 3);
  const picked = losses.sort((a, b) => rank(a) - rank(b)).slice(0, 3);
  return picked.length > 0 ? picked : ['loss'];
}

/** The metrics worth a history request for a run: its losses, and the validation metric if it is not one of them. */
export function chartedMetrics(row: RunRow | null): string[] {
  const names = row ? Object.keys(row.metrics) : [];
  const losses = pickLossMetrics(names);
  const val = pickValMetric(names);
  return val && !losses.includes(val) ? [...losses, val] : losses;
}

/** ms since the run started (until it ended), or null if it never started. */
export function elapsedMs(row: RunRow, now: number): number | null {
  if (!row.startedAt) return null;
  const end = row.endedAt ? Date.parse(row.endedAt) : now;
  return Math.max(0, end - Date.parse(row.startedAt));
}

/** Time left at the pace so far (a running run with an epoch count); null when unknown. */
export function etaMs(row: RunRow, now: number): number | null {
  if (row.state !== 'running' || !row.totalEpochs || !row.epoch) return null;
  const elapsed = elapsedMs(row, now);
  if (elapsed === null) return null;
  return (elapsed / row.epoch) * Math.max(0, row.totalEpochs - row.epoch);
}

/** 0..1, or null without an epoch count. A completed run is done whatever its last epoch said. */
export function progress(row: RunRow): number | null {
  if (row.state === 'completed') return 1;
  if (!row.totalEpochs) return row.reportedProgress ?? null;
  return Math.max(0, Math.min(1, (row.epoch ?? 0) / row.totalEpochs));
}

/** 1-based position among the queued runs, in start order. */
export function queuePosition(state: DashState, row: RunRow): number | null {
  if (row.state !== 'queued') return null;
  const queued = [...state.runs.values()].filter((other) => other.state === 'queued');
  queued.sort((a, b) => b.priority - a.priority || (a.queuedAt ?? '').localeCompare(b.queuedAt ?? '') || a.id.localeCompare(b.id));
  return queued.findIndex((other) => other.id === row.id) + 1;
}

function maxOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

/** The dashboard keeps this many unread notifications: a panel never shows more. */
export const UNREAD_KEPT = 50;

/**
 * An alert as the event stream sends it when it triggers, is acknowledged or resolves: the alerts
 * panel lists active ones only. Returns whether the list changed.
 */
export function applyAlert(state: DashState, alert: AlertInfo): boolean {
  const alerts = state.alerts ?? [];
  const index = alerts.findIndex((known) => known.alert_id === alert.alert_id);
  if (alert.status === 'active') {
    state.alerts = index === -1 ? [alert, ...alerts] : alerts.map((known, at) => (at === index ? alert : known));
    return true;
  }
  if (index === -1) return false;
  state.alerts = alerts.filter((_, at) => at !== index);
  return true;
}

/** A notification from the event stream: newest first, the oldest dropped past UNREAD_KEPT. */
export function applyNotification(state: DashState, notification: NotificationInfo): void {
  if (notification.read) return;
  const known = (state.notifications ?? []).filter((candidate) => candidate.id !== notification.id);
  state.notifications = [notification, ...known].slice(0, UNREAD_KEPT);
}
