import { createRequire } from 'node:module';
import blessed from 'blessed';
import { visibleRuns, type DashState } from './dash-state.js';
import type { Key, Mode } from './keymap.js';
import { normalizeKey } from './keymap.js';
import { dashLayout, inner, type DashLayout, type Rect } from './layout.js';
import { alertsSummary, alertsView } from './widgets/alerts.js';
import { confirmStopView } from './widgets/confirm-stop.js';
import { lossChartView, metricChartView, type ChartView } from './widgets/curves.js';
import { gpuPanelLines, gpuPanelView } from './widgets/gpus.js';
import { helpView } from './widgets/help.js';
import { paramFormView } from './widgets/param-form.js';
import { filterPickerView } from './widgets/filter-picker.js';
import { recipePickerView } from './widgets/recipe-picker.js';
import { runDetailsView } from './widgets/run-details.js';
import { fullLogView, runLogView } from './widgets/run-log.js';
import { runsTableView } from './widgets/runs-table.js';
import { statusLineView } from './widgets/status-line.js';
import { clipTagged, fitLabel, withoutColorTags, type PanelView } from './text.js';

/**
 * The only module that knows blessed (unmaintained since 2016, so it stays behind this one file, with
 * blessed-contrib's line chart): it places the boxes where layout.ts says, fills them with what the
 * widgets' view-models return, and turns key and mouse events into `Key`s for keymap.ts.
 */
export interface TerminalEvents {
  onKey(key: Key): void;
  /** a click on a row of the runs table */
  onSelect(runId: string): void;
  /** the terminal was resized: render again */
  onResize(): void;
}

type Box = blessed.Widgets.BoxElement;
interface LineChart extends Box {
  setData(data: { title: string; x: string[]; y: number[]; style?: { line: string } }[]): void;
  options: { minY?: number; maxY?: number; showLegend?: boolean };
}

const require = createRequire(import.meta.url);
// the one widget of blessed-contrib in use: its index loads every widget (maps, pictures, markdown)
const createLineChart = require('blessed-contrib/lib/widget/charts/line.js') as (options: Record<string, unknown>) => LineChart;

const BORDER = { type: 'line' as const };
const PANEL_STYLE = { border: { fg: 'cyan' }, label: { fg: 'white', bold: true } };
const OVERLAY_STYLE = { border: { fg: 'yellow' }, label: { fg: 'yellow', bold: true }, bg: 'black' };
// NO_COLOR (https://no-color.org): the same boxes, bold and inverse kept, no colour at all
const PLAIN_PANEL_STYLE = { border: {}, label: { bold: true } };
const PLAIN_OVERLAY_STYLE = { border: {}, label: { bold: true } };
const CHART_STYLE = { line: 'yellow', text: 'green', baseline: 'white', border: { fg: 'cyan' }, label: { fg: 'white', bold: true } };
const PLAIN_CHART_STYLE = { line: 'default', text: 'default', baseline: 'default', border: {}, label: { bold: true } };
/** Overlays' left and right padding, inside the border. */
const OVERLAY_PADDING = 1;

export class DashTerminal {
  readonly screen: blessed.Widgets.Screen;
  private readonly runs: Box;
  private readonly gpus: Box;
  private readonly log: Box;
  private readonly alerts: Box;
  private readonly status: Box;
  private readonly overlay: Box;
  private readonly fullLog: Box;
  private readonly chartFrames: { loss: Box; metric: Box };
  private readonly charts: {
    loss: { chart: LineChart | null; rect: Rect | null; key: string };
    metric: { chart: LineChart | null; rect: Rect | null; key: string };
  } = {
    loss: { chart: null, rect: null, key: '' },
    metric: { chart: null, rect: null, key: '' },
  };
  private runsOffset = 0;
  private runIds: string[] = [];
  private layout: DashLayout;
  private destroyed = false;
  private readonly noColor: boolean;

  constructor(
    private readonly events: TerminalEvents,
    options: { mouse: boolean; noColor?: boolean },
  ) {
    this.noColor = options.noColor ?? false;
    this.screen = blessed.screen({ smartCSR: true, title: 'trainer dash', warnings: false, autoPadding: false, dockBorders: false, fullUnicode: false });
    const panelStyle = this.noColor ? PLAIN_PANEL_STYLE : PANEL_STYLE;
    const panel = (extra: Record<string, unknown> = {}) => {
      const box = blessed.box({ border: BORDER, tags: true, wrap: false, style: panelStyle, ...extra } as blessed.Widgets.BoxOptions);
      this.screen.append(box);
      return box;
    };
    this.runs = panel({ clickable: options.mouse });
    this.chartFrames = { loss: panel(), metric: panel() };
    this.gpus = panel();
    this.log = panel({ clickable: options.mouse });
    this.alerts = panel();
    this.status = blessed.box({ height: 1, tags: true, wrap: false, style: this.noColor ? {} : { fg: 'white' } } as blessed.Widgets.BoxOptions);
    this.screen.append(this.status);
    this.fullLog = panel({ hidden: true, style: this.noColor ? PLAIN_PANEL_STYLE : { ...PANEL_STYLE, bg: 'black' } });
    this.overlay = panel({
      hidden: true,
      style: this.noColor ? PLAIN_OVERLAY_STYLE : OVERLAY_STYLE,
      padding: { left: OVERLAY_PADDING, right: OVERLAY_PADDING },
    });
    this.layout = dashLayout(this.screen.width as number, this.screen.height as number);

    this.screen.on('keypress', (ch: string | undefined, key: { name?: string; full?: string; ctrl?: boolean } | undefined) => {
      const normalized = normalizeKey(ch, key);
      if (normalized !== null) this.events.onKey(normalized);
    });
    this.screen.on('resize', () => this.events.onResize());

    if (options.mouse) {
      this.screen.enableMouse();
      this.runs.on('click', (mouse: { y: number }) => {
        // row 0 of the content is the header
        const index = mouse.y - (this.runs.atop as number) - 2;
        const id = this.runIds[index];
        if (id) this.events.onSelect(id);
      });
      this.runs.on('wheeldown', () => this.events.onKey('down'));
      this.runs.on('wheelup', () => this.events.onKey('up'));
      this.log.on('click', () => this.events.onKey('l'));
      this.fullLog.on('wheeldown', () => this.events.onKey('down'));
      this.fullLog.on('wheelup', () => this.events.onKey('up'));
    }
  }

  /** Rows of the runs table and lines of the full-screen log that show at once (for PgUp and PgDn). */
  pageSizes(): { pageSize: number; logPageSize: number } {
    return { pageSize: Math.max(1, inner(this.layout.runs).height - 1), logPageSize: Math.max(1, (this.screen.height as number) - 3) };
  }

  render(state: DashState, mode: Mode): void {
    if (this.destroyed) return;
    const cols = this.screen.width as number;
    const rows = this.screen.height as number;
    const first = dashLayout(cols, rows);
    const runRows = Math.max(1, visibleRuns(state).length);
    const layout = dashLayout(cols, rows, { gpuLines: gpuPanelLines(state, first.gpus ? inner(first.gpus).width : cols - 2), runRows });
    this.layout = layout;

    const table = runsTableView(state, inner(layout.runs), this.runsOffset);
    this.runsOffset = table.offset;
    this.runIds = table.rowIds;
    this.fill(this.runs, layout.runs, table);
    this.fill(this.gpus, layout.gpus, layout.gpus ? gpuPanelView(state, inner(layout.gpus)) : null);
    this.fill(this.log, layout.log, layout.log ? runLogView(state, inner(layout.log)) : null);
    this.fill(this.alerts, layout.alerts, layout.alerts ? alertsView(state, inner(layout.alerts)) : null);
    this.drawChart('loss', layout.lossChart, layout.lossChart ? lossChartView(state) : null);
    this.drawChart('metric', layout.metricChart, layout.metricChart ? metricChartView(state) : null);

    place(this.status, layout.status);
    setIfChanged(this.status, null, this.colored(clipTagged(statusLineView(state, cols, { alerts: layout.alerts ? null : alertsSummary(state) }), cols)));

    this.renderMode(state, mode, cols, rows);
    this.screen.render();
  }

  private renderMode(state: DashState, mode: Mode, cols: number, rows: number): void {
    this.fullLog.hide();
    this.overlay.hide();
    if (mode.kind === 'main') return;
    if (mode.kind === 'log') {
      const rect = { left: 0, top: 0, width: cols, height: rows - 1 };
      const view = fullLogView(state, inner(rect), mode.fromBottom, mode.follow);
      this.fill(this.fullLog, rect, view);
      this.fullLog.setFront();
      return;
    }
    const width = Math.max(8, Math.min(cols - 2, mode.kind === 'confirm-stop' ? 70 : mode.kind === 'filter' ? 36 : 110));
    const contentWidth = width - 2 - 2 * OVERLAY_PADDING;
    // an overlay never covers the status line, and keeps a row free above it
    const maxContentHeight = Math.max(1, rows - 4);
    const listHeight = Math.max(1, Math.min(rows - 8, maxContentHeight));
    let view: PanelView;
    if (mode.kind === 'help') view = helpView({ width: contentWidth, height: maxContentHeight });
    else if (mode.kind === 'details') view = runDetailsView(state, contentWidth);
    else if (mode.kind === 'confirm-stop') view = confirmStopView(state, mode.runId);
    else if (mode.kind === 'filter') view = filterPickerView(state, mode.index, { width: contentWidth, height: listHeight });
    else if (mode.kind === 'recipes') view = recipePickerView(state, mode.index, { width: contentWidth, height: listHeight });
    else view = paramFormView(state, mode, contentWidth);
    // too long for the screen: the end is cut, and the last line says so
    const lines =
      view.lines.length > maxContentHeight
        ? [...view.lines.slice(0, maxContentHeight - 1), `… ${view.lines.length - maxContentHeight + 1} more lines: a taller terminal shows them`]
        : view.lines;
    const height = lines.length + 2;
    const rect = { left: Math.max(0, Math.floor((cols - width) / 2)), top: Math.max(0, Math.floor((rows - 1 - height) / 2)), width, height };
    this.fill(this.overlay, rect, { label: view.label, lines }, 2 * OVERLAY_PADDING);
    this.overlay.setFront();
  }

  /**
   * Places a box and fills it, every line cut to the width inside the border (and padding) and the
   * label to the border, so that nothing spills past a box however small the terminal.
   */
  private fill(box: Box, rect: Rect | null, view: PanelView | null, padding = 0): void {
    if (!rect || !view) {
      box.hide();
      return;
    }
    place(box, rect);
    const width = Math.max(0, rect.width - 2 - padding);
    const height = Math.max(0, rect.height - 2);
    setIfChanged(
      box,
      fitLabel(view.label, rect.width),
      this.colored(
        view.lines
          .slice(0, height)
          .map((line) => clipTagged(line, width))
          .join('\n'),
      ),
    );
    box.show();
  }

  /** Marked-up text as this terminal shows it: without colour tags under NO_COLOR. */
  private colored(text: string): string {
    return this.noColor ? withoutColorTags(text) : text;
  }

  /**
   * blessed-contrib's chart sizes its canvas once, when attached: a chart whose box changes size is
   * made anew. It is redrawn only when its data or its size changed.
   */
  private drawChart(which: 'loss' | 'metric', rect: Rect | null, view: ChartView | null): void {
    const slot = this.charts[which];
    const frame = this.chartFrames[which];
    const tooSmall = rect !== null && (rect.width < 24 || rect.height < 7);
    if (!rect || !view || view.placeholder !== null || tooSmall) {
      this.removeChart(which);
      this.fill(frame, rect, view ? { label: view.label, lines: [view.placeholder ?? 'Too small for a chart.'] } : null);
      return;
    }
    frame.hide();
    if (slot.chart && slot.rect && !sameRect(slot.rect, rect)) this.removeChart(which);
    if (!slot.chart) {
      slot.chart = createLineChart({
        ...rect,
        label: view.label,
        border: BORDER,
        tags: true,
        showLegend: view.series.length > 1 && rect.width >= 40,
        legend: { width: 12 },
        xLabelPadding: 3,
        xPadding: 5,
        numYLabels: Math.max(2, Math.min(5, Math.floor((rect.height - 4) / 2))),
        style: this.noColor ? PLAIN_CHART_STYLE : CHART_STYLE,
      });
      this.screen.append(slot.chart);
      renderFrameOnlyWhenDrawn(slot.chart, this.noColor);
      slot.rect = { ...rect };
      slot.key = '';
    }
    const chart = slot.chart;
    setIfChanged(chart, fitLabel(view.label, rect.width), null);
    if (slot.key === view.key) return;
    slot.key = view.key;
    chart.options.minY = view.minY;
    chart.options.maxY = view.maxY;
    chart.setData(view.series.map((series) => ({ title: series.title, x: series.x, y: series.y, style: { line: this.noColor ? 'default' : series.color } })));
  }

  private removeChart(which: 'loss' | 'metric'): void {
    const slot = this.charts[which];
    if (!slot.chart) return;
    slot.chart.detach();
    slot.chart.destroy();
    slot.chart = null;
    slot.rect = null;
    slot.key = '';
  }

  /** Gives the terminal back as it was: main screen, cursor, echo, no mouse reporting. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.screen.destroy();
  }
}

/** blessed parses a box's content again on every setContent, even the same: only what changed is set. */
function setIfChanged(box: Box, label: string | null, content: string | null): void {
  const last = box as Box & { lastLabel?: string; lastContent?: string };
  if (label !== null && last.lastLabel !== label) {
    box.setLabel(label);
    last.lastLabel = label;
  }
  if (content !== null && last.lastContent !== content) {
    box.setContent(content);
    last.lastContent = content;
  }
}

/**
 * blessed-contrib's canvas turns its pixels into text on every screen render (most of the
 * dashboard's CPU with 50 runs reporting): here only after setData drew something new.
 */
function renderFrameOnlyWhenDrawn(chart: LineChart, noColor: boolean): void {
  const inner = chart as LineChart & { ctx: { _canvas: { frame(): string } }; clearPos(all: boolean): void; _render(): unknown };
  const setData = inner.setData.bind(inner);
  let frame: string | null = null;
  inner.setData = (data) => {
    setData(data);
    frame = null;
  };
  (inner as unknown as { render(): unknown }).render = () => {
    inner.clearPos(true);
    if (frame === null) {
      frame = inner.ctx._canvas.frame();
      // drawille writes its colours as raw escapes into the text: under NO_COLOR they go
      if (noColor) frame = frame.replace(/\x1b\[[0-9;]*m/g, '');
      inner.setContent(frame);
    }
    return inner._render();
  };
}

function place(box: Box, rect: Rect): void {
  box.left = rect.left;
  box.top = rect.top;
  box.width = rect.width;
  box.height = rect.height;
}

const sameRect = (a: Rect, b: Rect) => a.left === b.left && a.top === b.top && a.width === b.width && a.height === b.height;
