import { pickLossMetrics, pickValMetric, selectedRun, type DashState, type Series } from '../dash-state.js';
import { formatNumber } from '../text.js';

/**
 * The selected run's curves, as blessed-contrib's line chart takes them: the losses together on one
 * chart, the validation metric (accuracy-like) on the other, since their scales differ.
 */
export interface ChartView {
  label: string;
  /** empty: draw `placeholder` instead of a chart */
  series: { title: string; x: string[]; y: number[]; color: string }[];
  placeholder: string | null;
  minY: number;
  /** set when the data alone would give the chart a zero-height scale */
  maxY: number | undefined;
  /** changes whenever the drawing would: the terminal redraws the chart only then */
  key: string;
}

const COLORS = ['yellow', 'cyan', 'magenta'];

export function lossChartView(state: DashState): ChartView {
  const row = selectedRun(state);
  const names = pickLossMetrics(row ? Object.keys(row.metrics) : []);
  return chartView(state, names, 'Loss');
}

export function metricChartView(state: DashState): ChartView {
  const row = selectedRun(state);
  const name = pickValMetric(row ? Object.keys(row.metrics) : []);
  return chartView(state, name ? [name] : [], name ?? 'Metric');
}

function chartView(state: DashState, names: string[], title: string): ChartView {
  const row = selectedRun(state);
  const base = { minY: 0, maxY: undefined };
  if (!row) return { ...base, label: ` ${title} `, series: [], placeholder: 'No run selected.', key: 'none' };
  const label = ` ${title} · ${row.id} `;
  const curves =
    state.curves.runId === row.id
      ? names.map((name) => state.curves.series.get(name)).filter((series): series is Series => series !== undefined && series.ys.length > 0)
      : [];
  if (curves.length === 0) {
    const why =
      state.curves.runId === row.id && state.curves.loading
        ? 'Loading…'
        : row.state === 'queued' || row.state === 'created'
          ? `No metrics: the run is ${row.state}.`
          : names.length === 0
            ? 'No such metric in this run.'
            : 'No metrics yet.';
    return { ...base, label, series: [], placeholder: why, key: `empty:${row.id}:${why}` };
  }
  // every series is drawn against the x labels of the first: line charts share one x axis
  const longest = curves.reduce((a, b) => (b.xs.length > a.xs.length ? b : a));
  const x = longest.xs.map((value) => formatNumber(value));
  const series = curves.map((curve, index) => ({ title: curve.name, x, y: alignTo(curve, longest), color: COLORS[index % COLORS.length]! }));
  const values = series.flatMap((one) => one.y);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const minY = min < 0 ? min : 0;
  const maxY = max <= minY ? minY + 1 : undefined;
  const last = curves.map((curve) => `${curve.name}=${formatNumber(curve.ys.at(-1)!)}`).join(' ');
  return {
    label: ` ${title} · ${row.id} · ${last} `,
    series,
    placeholder: null,
    minY,
    maxY,
    key: `${row.id}:${curves.map((curve) => `${curve.name}/${curve.xs.length}/${curve.xs.at(-1)}/${curve.ys.at(-1)}`).join(',')}`,
  };
}

/** A series resampled onto another's x values (its nearest earlier point), so both draw on one axis. */
function alignTo(series: Series, axis: Series): number[] {
  if (series === axis) return series.ys;
  const out: number[] = [];
  let j = 0;
  for (const x of axis.xs) {
    while (j + 1 < series.xs.length && series.xs[j + 1]! <= x) j++;
    out.push(series.ys[j]!);
  }
  return out;
}
