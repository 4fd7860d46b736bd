import type { LogEntry, MetricPoint, RunStatus } from '../client/trainer-client.js';

/** Plain aligned columns: a header row, then one row per item. No colours, so output pipes cleanly. */
export function formatTable(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = [headers, ...rows.map((row) => row.map((cell) => (cell === null || cell === undefined || cell === '' ? '-' : String(cell))))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  return cells.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')).join('\n');
}

/** Key: value lines with the values aligned. */
export function formatFields(fields: [string, string | number | null | undefined][]): string {
  const width = Math.max(...fields.map(([key]) => key.length)) + 1;
  return fields.map(([key, value]) => `${`${key}:`.padEnd(width)} ${value === null || value === undefined || value === '' ? '-' : value}`).join('\n');
}

/** 0.41234 → 0.4123, 12 → 12: enough digits to follow a run, few enough to read. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(4)));
}

export function formatValue(value: unknown): string {
  if (typeof value === 'number') return formatNumber(value);
  if (value === null || value === undefined) return '-';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** ISO timestamps to the second, in UTC: `2025-01-02 03:04:05Z`. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '-';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** 0..1 → `45% [#########-----------]`; `-` when unknown. */
export function formatProgress(progress: number | null | undefined, width = 20): string {
  if (progress === null || progress === undefined || !Number.isFinite(progress)) return '-';
  const ratio = Math.min(1, Math.max(0, progress));
  const filled = Math.floor(ratio * width);
  return `${Math.floor(ratio * 100)}% [${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

export function formatEpoch(current: number | null, total: number | null): string {
  if (current === null && total === null) return '-';
  return total === null ? String(current ?? 0) : `${current ?? 0}/${total}`;
}

const NOT_METRICS = new Set(['session_id', 'epoch', 'step', 'timestamp']);

/** The metric values of a point, in the agent's order, without its bookkeeping fields. */
export function metricValues(point: MetricPoint): [string, unknown][] {
  return Object.entries(point).filter(([key]) => !NOT_METRICS.has(key));
}

/** `epoch 3/20  loss 0.412  val_accuracy 0.81` */
export function progressLine(status: RunStatus, metrics: MetricPoint | null): string {
  const parts = [`epoch ${formatEpoch(status.current_epoch, status.total_epochs)}`];
  for (const [key, value] of metrics ? metricValues(metrics) : []) {
    if (typeof value === 'number') parts.push(`${key} ${formatNumber(value)}`);
  }
  return parts.join('  ');
}

export function formatLogLine(entry: LogEntry): string {
  return `${entry.timestamp} ${entry.level} ${entry.message}`;
}
