/**
 * The dashboard's grid, declared once: where each panel goes for a terminal of `cols` × `rows`.
 *
 * Four tiers, so that the screen stays usable as it shrinks (panels collapse in this order: the
 * second chart, the alerts, the loss chart, the log, the GPUs; the runs table and the status line
 * always stay):
 *
 * ```
 * large (≥140×36)                  medium (≥100×28)            small (≥60×16)      tiny
 * ┌ runs ──────────────────────┐  ┌ runs ─────────────────┐   ┌ runs ─────────┐   ┌ runs ──┐
 * ├ loss ──┬ metric ─┬ gpus ───┤  ├ loss ─────┬ gpus ─────┤   ├ gpus ─────────┤   │        │
 * ├ log ───┴─────────┬ alerts ─┤  ├ log ──────┴ alerts ───┤   ├ log ──────────┤   │        │
 * └──────────────────┴─────────┘  └───────────┴───────────┘   └───────────────┘   └────────┘
 *   status line                     status line                 status line         status
 * ```
 *
 * A pure function (cells in, cells out) so that the collapse is tested without a terminal; blessed
 * only places the boxes where this says.
 */
export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export type Tier = 'large' | 'medium' | 'small' | 'tiny';

export interface DashLayout {
  tier: Tier;
  runs: Rect;
  lossChart: Rect | null;
  metricChart: Rect | null;
  gpus: Rect | null;
  log: Rect | null;
  alerts: Rect | null;
  status: Rect;
}

export interface LayoutContent {
  /** lines the GPU panel wants inside its border (one or two per GPU, two for CPU and memory) */
  gpuLines: number;
  /** rows the runs table has to show: with few runs, the panels below get the room it does not need */
  runRows: number;
}

/** The runs table's height: its rows, its header and its border, between `min` and `max`. */
const runsHeightFor = (runRows: number, min: number, max: number) => Math.max(min, Math.min(max, runRows + 3));

export function tierFor(cols: number, rows: number): Tier {
  if (cols >= 140 && rows >= 36) return 'large';
  if (cols >= 100 && rows >= 28) return 'medium';
  if (cols >= 60 && rows >= 16) return 'small';
  return 'tiny';
}

export function dashLayout(cols: number, rows: number, content: LayoutContent = { gpuLines: 2, runRows: 1000 }): DashLayout {
  cols = Math.max(1, Math.floor(cols));
  rows = Math.max(2, Math.floor(rows));
  const tier = tierFor(cols, rows);
  const status: Rect = { left: 0, top: rows - 1, width: cols, height: 1 };
  const body = rows - 1;
  const none = { lossChart: null, metricChart: null, gpus: null, log: null, alerts: null };

  if (tier === 'tiny') return { tier, runs: { left: 0, top: 0, width: cols, height: body }, ...none, status };

  if (tier === 'small') {
    const gpuHeight = Math.min(content.gpuLines + 2, 6);
    let runsHeight = runsHeightFor(content.runRows, 6, Math.max(6, Math.round(body * 0.48)));
    let logHeight = body - runsHeight - gpuHeight;
    if (logHeight < 4) {
      // too short for a useful log: the runs take its rows
      runsHeight = body - gpuHeight;
      logHeight = 0;
    }
    return {
      tier,
      runs: { left: 0, top: 0, width: cols, height: runsHeight },
      ...none,
      gpus: { left: 0, top: runsHeight, width: cols, height: gpuHeight },
      log: logHeight > 0 ? { left: 0, top: runsHeight + gpuHeight, width: cols, height: logHeight } : null,
      status,
    };
  }

  const runsHeight = runsHeightFor(content.runRows, 6, Math.max(8, Math.round(body * (tier === 'large' ? 0.4 : 0.38))));
  const rest = body - runsHeight;
  // the middle row must fit the GPU panel's content, within reason
  const middleHeight = Math.max(Math.round(rest * 0.55), Math.min(content.gpuLines + 2, rest - 6));
  const bottomHeight = rest - middleHeight;
  const middleTop = runsHeight;
  const bottomTop = runsHeight + middleHeight;
  const runs = { left: 0, top: 0, width: cols, height: runsHeight };

  if (tier === 'large') {
    const gpuWidth = Math.max(44, Math.round(cols * 0.3));
    const chartsWidth = cols - gpuWidth;
    const lossWidth = Math.round(chartsWidth * 0.55);
    const alertsWidth = Math.round(cols * 0.35);
    return {
      tier,
      runs,
      lossChart: { left: 0, top: middleTop, width: lossWidth, height: middleHeight },
      metricChart: { left: lossWidth, top: middleTop, width: chartsWidth - lossWidth, height: middleHeight },
      gpus: { left: chartsWidth, top: middleTop, width: gpuWidth, height: middleHeight },
      log: { left: 0, top: bottomTop, width: cols - alertsWidth, height: bottomHeight },
      alerts: { left: cols - alertsWidth, top: bottomTop, width: alertsWidth, height: bottomHeight },
      status,
    };
  }

  const gpuWidth = Math.max(40, Math.round(cols * 0.4));
  const alertsWidth = Math.round(cols * 0.4);
  return {
    tier,
    runs,
    lossChart: { left: 0, top: middleTop, width: cols - gpuWidth, height: middleHeight },
    metricChart: null,
    gpus: { left: cols - gpuWidth, top: middleTop, width: gpuWidth, height: middleHeight },
    log: { left: 0, top: bottomTop, width: cols - alertsWidth, height: bottomHeight },
    alerts: { left: cols - alertsWidth, top: bottomTop, width: alertsWidth, height: bottomHeight },
    status,
  };
}

/** Inside a bordered box: what a widget can draw in. */
export function inner(rect: Rect): { width: number; height: number } {
  return { width: Math.max(0, rect.width - 2), height: Math.max(0, rect.height - 2) };
}
