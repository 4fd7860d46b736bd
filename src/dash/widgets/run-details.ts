import { elapsedMs, etaMs, progress, queuePosition, selectedRun, type DashState } from '../dash-state.js';
import { dateTime, escapeTags, fit, formatDuration, formatNumber, stateColor, tag, type PanelView } from '../text.js';

/** Enter: everything known about the selected run. */
export function runDetailsView(state: DashState, width: number): PanelView {
  const row = selectedRun(state);
  if (!row) return { label: ' Run ', lines: ['No run selected.'] };
  const fraction = progress(row);
  const position = queuePosition(state, row);
  const fields: [string, string, string | null][] = [
    ['id', row.id, null],
    ['name', row.name ?? '-', null],
    ['recipe', row.recipe, null],
    ['state', row.state + (position !== null ? ` (#${position} in the queue)` : ''), stateColor(row.state)],
    [
      'epoch',
      row.totalEpochs === null
        ? String(row.epoch ?? '-')
        : `${row.epoch ?? 0}/${row.totalEpochs}${fraction === null ? '' : ` (${Math.floor(fraction * 100)}%)`}`,
      null,
    ],
    ['created', dateTime(row.createdAt), null],
    ['queued', dateTime(row.queuedAt), null],
    ['started', dateTime(row.startedAt), null],
    ['ended', dateTime(row.endedAt), null],
    ['elapsed', formatDuration(elapsedMs(row, state.now)), null],
    ['eta', formatDuration(etaMs(row, state.now)), null],
    ['gpus', row.gpuIds.length > 0 ? `${row.gpus} (${row.gpuIds.join(',')})` : String(row.gpus), null],
    ['priority', String(row.priority), null],
    ['exit code', row.exitCode === null ? '-' : String(row.exitCode), null],
    ['end reason', row.endReason ?? '-', null],
    ['error', row.error ?? '-', row.error ? 'red-fg' : null],
    [
      'params',
      row.params === null
        ? '…'
        : Object.entries(row.params)
            .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
            .join(' ') || '-',
      null,
    ],
    [
      'metrics',
      Object.entries(row.metrics)
        .map(([key, value]) => `${key}=${formatNumber(value)}`)
        .join(' ') || '-',
      null,
    ],
  ];
  const lines = fields.map(([key, value, style]) => `${tag('bold', `${key}:`.padEnd(12))}${tag(style, fit(value, Math.max(1, width - 12)).trimEnd())}`);
  lines.push('', tag('gray-fg', escapeTags('x stop · l log · Esc back')));
  return { label: ` Run ${row.id} `, lines };
}
