import type { LogEntry } from '../../client/trainer-client.js';
import { selectedRun, type DashState } from '../dash-state.js';
import { clockTime, fit, tag, wrap, type PanelView } from '../text.js';

/** The selected run's latest log lines, newest at the bottom, cut to the panel's width. */
export function runLogView(state: DashState, size: { width: number; height: number }): PanelView {
  const row = selectedRun(state);
  if (!row) return { label: ' Log ', lines: ['No run selected.'] };
  const label = ` Log · ${row.id}${state.log.live ? ' · live' : ''} · l full screen `;
  if (state.log.runId !== row.id || (state.log.loading && state.log.entries.length === 0)) return { label, lines: ['Loading…'] };
  if (state.log.entries.length === 0)
    return { label, lines: [row.state === 'queued' || row.state === 'created' ? `Nothing yet: the run is ${row.state}.` : 'The log is empty.'] };
  const entries = state.log.entries.slice(-Math.max(0, size.height));
  return { label, lines: entries.map((entry) => logLine(entry, size.width)) };
}

/**
 * The whole log, full screen, wrapped to the width. `fromBottom` is how many lines the view is
 * scrolled up from the end (0: following the end).
 */
export function fullLogView(
  state: DashState,
  size: { width: number; height: number },
  fromBottom: number,
  follow: boolean,
): PanelView & { fromBottom: number; total: number } {
  const row = selectedRun(state);
  const id = row?.id ?? '-';
  const all =
    state.log.runId === id
      ? state.log.entries.flatMap((entry) =>
          wrap(`${clockTime(entry.timestamp)} ${entry.level.toUpperCase().padEnd(5)} ${entry.message}`, Math.max(1, size.width)).map((text, index) => ({
            text,
            entry,
            first: index === 0,
          })),
        )
      : [];
  const maxScroll = Math.max(0, all.length - size.height);
  const scrolled = follow ? 0 : Math.min(Math.max(0, fromBottom), maxScroll);
  const end = all.length - scrolled;
  const shown = all.slice(Math.max(0, end - size.height), end);
  const where = follow ? 'following' : scrolled === 0 ? 'at the end' : `${scrolled} line${scrolled === 1 ? '' : 's'} up`;
  const label = ` Log · ${id} · ${all.length} lines · ${where} · ↑↓ PgUp PgDn scroll · f follow · Esc back `;
  const lines = shown.map(({ text, entry }) => tag(levelStyle(entry.level), text));
  if (lines.length === 0) lines.push(state.log.loading ? 'Loading…' : 'The log is empty.');
  return { label, lines, fromBottom: scrolled, total: all.length };
}

function logLine(entry: LogEntry, width: number): string {
  const text = fit(`${clockTime(entry.timestamp)} ${entry.level.toUpperCase().padEnd(5)} ${entry.message.replace(/\s+$/, '')}`, width).trimEnd();
  return tag(levelStyle(entry.level), text);
}

function levelStyle(level: string): string | null {
  const upper = level.toUpperCase();
  if (upper.startsWith('ERR') || upper === 'FATAL' || upper === 'CRITICAL') return 'red-fg';
  if (upper.startsWith('WARN')) return 'yellow-fg';
  if (upper === 'DEBUG') return 'gray-fg';
  return null;
}
