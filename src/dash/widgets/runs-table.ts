import { countByState, elapsedMs, etaMs, pickValMetric, progress, queuePosition, visibleRuns, type DashState, type RunRow } from '../dash-state.js';
import { bar, escapeTags, fit, formatDuration, formatNumber, stateColor, tag } from '../text.js';

/**
 * The runs table: one row per run, the selected one highlighted. Columns are dropped, least useful
 * first, until the rest fit the width; the rows scroll to keep the selection in view.
 */
export interface RunsTableView {
  label: string;
  /** header, then one line per shown row (blessed tags) */
  lines: string[];
  /** the ids of the shown rows, top to bottom: a click on line i+1 selects rowIds[i] */
  rowIds: string[];
  /** index (in the whole list) of the first shown row; the next render passes it back */
  offset: number;
  columns: string[];
}

interface Column {
  key: string;
  title: string;
  width: number;
  align: 'left' | 'right';
  /** lower is kept longer when the width runs out */
  priority: number;
  cell(row: RunRow, state: DashState): { text: string; style?: string | null };
}

const COLUMNS: Column[] = [
  { key: 'id', title: 'ID', width: 17, align: 'left', priority: 0, cell: (row) => ({ text: row.id }) },
  { key: 'recipe', title: 'RECIPE', width: 14, align: 'left', priority: 5, cell: (row) => ({ text: row.recipe }) },
  { key: 'state', title: 'STATE', width: 9, align: 'left', priority: 1, cell: (row) => ({ text: row.state, style: stateColor(row.state) }) },
  { key: 'epoch', title: 'EPOCH', width: 9, align: 'right', priority: 2, cell: (row) => ({ text: epochText(row) }) },
  { key: 'progress', title: 'PROGRESS', width: 15, align: 'left', priority: 3, cell: (row, state) => progressCell(row, state) },
  {
    key: 'loss',
    title: 'LOSS',
    width: 8,
    align: 'right',
    priority: 4,
    cell: (row) => ({ text: row.metrics.loss === undefined ? '-' : formatNumber(row.metrics.loss) }),
  },
  { key: 'metric', title: 'VAL METRIC', width: 20, align: 'left', priority: 8, cell: (row) => ({ text: metricText(row) }) },
  {
    key: 'gpus',
    title: 'GPU',
    width: 5,
    align: 'left',
    priority: 9,
    cell: (row) => ({ text: row.gpuIds.length > 0 ? row.gpuIds.join(',') : row.gpus > 0 ? `×${row.gpus}` : '-' }),
  },
  { key: 'elapsed', title: 'ELAPSED', width: 8, align: 'right', priority: 6, cell: (row, state) => ({ text: formatDuration(elapsedMs(row, state.now)) }) },
  { key: 'eta', title: 'ETA', width: 8, align: 'right', priority: 7, cell: (row, state) => ({ text: formatDuration(etaMs(row, state.now)) }) },
  { key: 'name', title: 'NAME', width: 16, align: 'left', priority: 10, cell: (row) => ({ text: row.name ?? '' }) },
];

export function runsTableView(state: DashState, size: { width: number; height: number }, previousOffset = 0): RunsTableView {
  const rows = visibleRuns(state);
  const columns = fitColumns(size.width);
  const capacity = Math.max(0, size.height - 1);
  const selectedIndex = rows.findIndex((row) => row.id === state.selectedId);
  const offset = scrollOffset(previousOffset, selectedIndex, rows.length, capacity);
  const shown = rows.slice(offset, offset + capacity);

  const header = columns.map((column) => fit(column.title, column.width, column.align)).join(' ');
  const lines = [tag('bold', fit(header, size.width))];
  for (const row of shown) {
    const cells = columns.map((column) => {
      const { text, style } = column.cell(row, state);
      return tag(style ?? null, fit(text, column.width, column.align));
    });
    const plainWidth = columns.reduce((sum, column) => sum + column.width, 0) + columns.length - 1;
    const line = cells.join(' ') + ' '.repeat(Math.max(0, size.width - plainWidth));
    lines.push(row.id === state.selectedId ? `{inverse}${line}{/inverse}` : line);
  }
  if (rows.length === 0) lines.push(...emptyTableLines(state, size.width));
  return {
    label: tableLabel(state, rows.length, offset, shown.length),
    lines,
    rowIds: shown.map((row) => row.id),
    offset,
    columns: columns.map((column) => column.key),
  };
}

/**
 * What an empty table says: with no answer from the agent, why (a refused key, an unreachable agent)
 * is the screen's main message, not "No runs yet", which would be untrue.
 */
function emptyTableLines(state: DashState, width: number): string[] {
  const { connection } = state;
  if (state.runs.size === 0 && connection.state === 'down') {
    const lines = connection.fatal
      ? [
          tag('red-fg', `✖ The agent at ${state.agentUrl} refused this dashboard:`),
          tag('red-fg', `  ${connection.detail}`),
          '',
          escapeTags('Give a key it accepts with --api-key or TRAINER_API_KEY, then start trainer dash again.'),
        ]
      : [
          tag('red-fg', `✖ Cannot reach the agent at ${state.agentUrl}:`),
          tag('red-fg', `  ${connection.detail}`),
          '',
          escapeTags('Retrying by itself; start the agent (trainer agent) or point at it with --url or TRAINER_URL.'),
        ];
    return lines.map((line) => (width > 0 ? line : ''));
  }
  if (state.runs.size === 0 && connection.state === 'connecting') return [escapeTags(`Connecting to ${state.agentUrl}…`)];
  return [escapeTags(state.runs.size === 0 ? 'No runs yet. Press s to start one.' : `No ${state.filter} runs (f changes the filter).`)];
}

/** The columns that fit, in their display order; the last one stretches (NAME) or is cut. */
export function fitColumns(width: number): Column[] {
  const kept = new Set<string>();
  let used = 0;
  for (const column of [...COLUMNS].sort((a, b) => a.priority - b.priority)) {
    const needed = column.width + (kept.size > 0 ? 1 : 0);
    if (used + needed > width) continue;
    kept.add(column.key);
    used += needed;
  }
  const fitted = COLUMNS.filter((column) => kept.has(column.key)).map((column) => ({ ...column }));
  // give what is left over to the name (or the last column), so the row fills the panel
  const last = fitted.find((column) => column.key === 'name') ?? fitted.at(-1);
  if (last) last.width += Math.max(0, width - used);
  return fitted;
}

/** Keeps the previous scroll position unless the selection left the window. */
export function scrollOffset(previous: number, selected: number, count: number, capacity: number): number {
  if (capacity <= 0 || count <= capacity) return 0;
  let offset = Math.min(Math.max(0, previous), count - capacity);
  if (selected >= 0 && selected < offset) offset = selected;
  if (selected >= offset + capacity) offset = selected - capacity + 1;
  return offset;
}

function tableLabel(state: DashState, count: number, offset: number, shown: number): string {
  const counts = countByState(state);
  const done = (counts.completed ?? 0) + (counts.failed ?? 0) + (counts.stopped ?? 0) + (counts.cancelled ?? 0);
  const parts = [`${counts.running ?? 0} running`, `${counts.queued ?? 0} queued`];
  if (counts.created) parts.push(`${counts.created} created`);
  parts.push(`${done} ended`);
  const filter = state.filter === 'all' ? '' : ` · filter: ${state.filter}`;
  const scroll = count > shown && shown > 0 ? ` · ${offset + 1}-${offset + shown} of ${count}` : '';
  return ` Runs · ${parts.join(' · ')}${filter}${scroll} `;
}

function epochText(row: RunRow): string {
  if (row.epoch === null && row.totalEpochs === null) return '-';
  return row.totalEpochs === null ? String(row.epoch ?? 0) : `${row.epoch ?? 0}/${row.totalEpochs}`;
}

function progressCell(row: RunRow, state: DashState): { text: string; style?: string | null } {
  const position = queuePosition(state, row);
  if (position !== null) return { text: `waiting #${position}`, style: 'yellow-fg' };
  if (row.state === 'created') return { text: 'not started' };
  if (!row.startedAt && row.state !== 'running') return { text: '-' }; // cancelled before it started
  const fraction = progress(row);
  if (fraction === null) return { text: '-' };
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  return { text: `${bar(fraction, 10)} ${percent}`, style: stateColor(row.state) };
}

function metricText(row: RunRow): string {
  const name = pickValMetric(Object.keys(row.metrics));
  if (!name) return '-';
  const value = formatNumber(row.metrics[name]!);
  const room = 20 - value.length - 1;
  return `${name.length > room ? name.slice(0, Math.max(1, room - 1)) + '…' : name} ${value}`;
}
