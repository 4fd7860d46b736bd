import { describe, expect, it } from 'vitest';
import { resetCurves, resetLog, setSeries, appendLog, applyAlert, applyNotification } from '../../dist/src/dash/dash-state.js';
import { alertsSummary, alertsView } from '../../dist/src/dash/widgets/alerts.js';
import { confirmStopView } from '../../dist/src/dash/widgets/confirm-stop.js';
import { lossChartView, metricChartView } from '../../dist/src/dash/widgets/curves.js';
import { gpuPanelView } from '../../dist/src/dash/widgets/gpus.js';
import { helpView } from '../../dist/src/dash/widgets/help.js';
import { paramFormView, paramTemplate, parseParamText } from '../../dist/src/dash/widgets/param-form.js';
import { filterPickerView } from '../../dist/src/dash/widgets/filter-picker.js';
import { recipePickerView } from '../../dist/src/dash/widgets/recipe-picker.js';
import { runDetailsView } from '../../dist/src/dash/widgets/run-details.js';
import { fullLogView, runLogView } from '../../dist/src/dash/widgets/run-log.js';
import { fitColumns, runsTableView, scrollOffset } from '../../dist/src/dash/widgets/runs-table.js';
import { plain, statusLineView } from '../../dist/src/dash/widgets/status-line.js';
import { escapeTags, formatDuration, formatNumber } from '../../dist/src/dash/text.js';
import { alert, gpu, NOW, sampleState } from './dash-fixtures.js';

const logEntry = (message: string, level = 'info') => ({ session_id: 'sess_aaaaaaaaaaaa', timestamp: '2026-01-02T03:09:00.000Z', level, message });

// Each widget is a view-model: state in, lines (with blessed tags) out. No terminal needed.
describe('dashboard widgets', () => {
  it('runs table: every run with its state, epoch, progress, loss, val metric, elapsed and ETA', () => {
    const view = runsTableView(sampleState(), { width: 160, height: 20 });
    const lines = view.lines.map(plain);
    expect(lines[0]).toMatch(/^ID\s+RECIPE\s+STATE\s+EPOCH PROGRESS\s+LOSS VAL METRIC\s+GPU\s+ELAPSED\s+ETA NAME/);
    for (const line of lines) expect(line.length).toBe(160);
    const a = lines.find((line) => line.startsWith('sess_aaaaaaaaaaaa'))!;
    expect(a).toMatch(/ticker\s+running\s+5\/20 █+░+\s+25%\s+0\.4123 val_accuracy 0\.875\s+-\s+10m00s\s+30m00s/);
    expect(lines.find((line) => line.startsWith('sess_q2q2q2q2q2q2'))).toContain('waiting #1');
    expect(lines.find((line) => line.startsWith('sess_bbbbbbbbbbbb'))).toMatch(/running\s+1\/4 .* 0\s+5m00s\s+15m00s/);
    expect(lines.find((line) => line.startsWith('sess_ffffffffffff'))).toMatch(/failed\s+2\/5/);
    // the selected run is drawn inverse; states in colour
    expect(view.lines[1]).toMatch(/^\{inverse\}sess_aaaaaaaaaaaa/);
    expect(view.lines.join('\n')).toContain('{green-fg}running');
    expect(view.rowIds).toHaveLength(7);
    expect(view.label).toBe(' Runs · 2 running · 2 queued · 1 created · 2 ended ');
  });

  it('runs table: drops the least useful columns first when narrow', () => {
    expect(fitColumns(78).map((column) => column.key)).toEqual(['id', 'recipe', 'state', 'epoch', 'progress', 'loss']);
    expect(fitColumns(100).map((column) => column.key)).toEqual(['id', 'recipe', 'state', 'epoch', 'progress', 'loss', 'elapsed', 'eta']);
    expect(fitColumns(40).map((column) => column.key)).toEqual(['id', 'state', 'epoch']);
    expect(fitColumns(200).map((column) => column.key)).toContain('name');
    const view = runsTableView(sampleState(), { width: 78, height: 20 });
    for (const line of view.lines) expect(plain(line).length).toBe(78);
  });

  it('runs table: scrolls to keep the selection in view, and says where it is', () => {
    const state = sampleState();
    state.selectedId = 'sess_dddddddddddd'; // the last of 7 rows
    const view = runsTableView(state, { width: 100, height: 4 }, 0);
    expect(view.rowIds).toEqual(['sess_cccccccccccc', 'sess_ffffffffffff', 'sess_dddddddddddd']);
    expect(view.label).toContain('5-7 of 7');
    expect(scrollOffset(4, 0, 7, 3)).toBe(0);
    expect(scrollOffset(2, 3, 7, 3)).toBe(2); // still in view: no jump
    expect(scrollOffset(0, 6, 7, 10)).toBe(0);
  });

  it('runs table: says what to do when there is nothing to show', () => {
    const state = sampleState();
    state.filter = 'cancelled';
    expect(plain(runsTableView(state, { width: 80, height: 10 }).lines[1]!)).toContain('No cancelled runs (f changes the filter).');
  });

  it('curves: the losses on one chart, the validation metric on the other, with live points', () => {
    const state = sampleState();
    resetCurves(state, 'sess_aaaaaaaaaaaa');
    expect(lossChartView(state).placeholder).toBe('Loading…');
    setSeries(
      state,
      'sess_aaaaaaaaaaaa',
      'loss',
      [1, 2, 3].map((epoch) => ({ epoch, loss: 1 / epoch })),
    );
    setSeries(
      state,
      'sess_aaaaaaaaaaaa',
      'val_loss',
      [1, 3].map((epoch) => ({ epoch, val_loss: 1.2 / epoch })),
    );
    setSeries(
      state,
      'sess_aaaaaaaaaaaa',
      'val_accuracy',
      [1, 2, 3].map((epoch) => ({ epoch, val_accuracy: 0.5 + epoch / 10 })),
    );
    state.curves.loading = false;
    const loss = lossChartView(state);
    expect(loss.placeholder).toBeNull();
    expect(loss.series.map((series) => series.title)).toEqual(['loss', 'val_loss']);
    expect(loss.series[0]!.x).toEqual(['1', '2', '3']);
    // val_loss has no point at epoch 2: it holds its epoch-1 value there, so both share the x axis
    expect(loss.series[1]!.y).toEqual([1.2, 1.2, 1.2 / 3]);
    expect(loss.label).toContain('loss=0.3333');
    const metric = metricChartView(state);
    expect(metric.series.map((series) => series.title)).toEqual(['val_accuracy']);
    expect(metric.label).toContain('val_accuracy · sess_aaaaaaaaaaaa');
    const before = loss.key;
    state.curves.series.get('loss')!.xs.push(4);
    state.curves.series.get('loss')!.ys.push(0.25);
    expect(lossChartView(state).key).not.toBe(before);
  });

  it('curves: a queued run has none yet, a flat curve still gets a scale', () => {
    const state = sampleState();
    state.selectedId = 'sess_q1q1q1q1q1q1';
    resetCurves(state, 'sess_q1q1q1q1q1q1');
    state.curves.loading = false;
    expect(lossChartView(state).placeholder).toBe('No metrics: the run is queued.');
    state.selectedId = 'sess_aaaaaaaaaaaa';
    resetCurves(state, 'sess_aaaaaaaaaaaa');
    setSeries(state, 'sess_aaaaaaaaaaaa', 'loss', [
      { epoch: 1, loss: 0 },
      { epoch: 2, loss: 0 },
    ]);
    expect(lossChartView(state)).toMatchObject({ minY: 0, maxY: 1 });
  });

  it('GPUs: a line per GPU with utilization and memory bars, temperature, power and holder; two lines when narrow', () => {
    const state = sampleState();
    state.gpus = [gpu(0, { run_id: 'sess_bbbbbbbbbbbb' }), gpu(1, { utilization: 0, memory_percent: 0, memory_used_mb: 4, temperature: 34, power_w: null })];
    const wide = gpuPanelView(state, { width: 118, height: 4 });
    expect(wide.label).toBe(' GPUs · 2× NVIDIA A100-SXM4-40GB ');
    expect(plain(wide.lines[0]!)).toMatch(/^0\s+UTIL █+░+\s+87% MEM █+░+\s+76%\s+71°C\s+312W sess_bbbbbbbbbbbb/);
    expect(plain(wide.lines[1]!)).toMatch(/^1\s+UTIL ░+\s+0% MEM ░+\s+0%\s+34°C\s+- idle/);
    for (const line of wide.lines) expect(plain(line).length).toBeLessThanOrEqual(118);
    expect(wide.lines[0]).toContain('{yellow-fg}██'); // 87 % utilization is no longer in the green
    const narrow = gpuPanelView(state, { width: 46, height: 8 });
    expect(narrow.lines).toHaveLength(4);
    for (const line of narrow.lines) expect(plain(line).length).toBeLessThanOrEqual(46);
    expect(plain(narrow.lines[0]!)).toMatch(/^0 sess_bbbbbbbbbbbb\s+71°C 312W$/);
    // more GPUs than lines: says how many are hidden
    state.gpus = Array.from({ length: 8 }, (_, index) => gpu(index));
    expect(plain(gpuPanelView(state, { width: 100, height: 3 }).lines.at(-1)!)).toBe('… 6 more lines');
  });

  it('GPUs: without any, CPU and memory from the system info', () => {
    const state = sampleState();
    state.gpus = [];
    state.system = {
      cpu_usage_percent: 12.5,
      memory_used_mb: 10240,
      memory_total_mb: 32768,
      memory_percent: 31.25,
      disk_free_gb: 50,
      disk_total_gb: 100,
      gpu_available: false,
      gpu_usage_percent: null,
      gpu_memory_used_mb: null,
      gpu_memory_total_mb: null,
      timestamp: '',
    };
    const view = gpuPanelView(state, { width: 60, height: 2 });
    expect(view.label).toBe(' System (no GPU) ');
    expect(view.lines.map(plain)).toEqual([expect.stringMatching(/^CPU █+░+\s+13%$/), expect.stringMatching(/^MEM █+░+\s+31% 10\.0\/32\.0G$/)]);
  });

  it('log: the newest lines that fit, levels in colour, user text escaped', () => {
    const state = sampleState();
    resetLog(state, 'sess_aaaaaaaaaaaa');
    state.log.loading = false;
    appendLog(state, 'sess_aaaaaaaaaaaa', [logEntry('one'), logEntry('two {bold}'), logEntry('boom', 'error')]);
    const view = runLogView(state, { width: 40, height: 2 });
    expect(view.lines.map(plain)).toEqual(['03:09:00 INFO  two {bold}', '03:09:00 ERROR boom']);
    expect(view.lines[0]).toContain('{open}bold{close}');
    expect(view.lines[1]).toMatch(/^\{red-fg\}/);
    // full screen: wrapped, scrolled up from the end, following or not
    appendLog(
      state,
      'sess_aaaaaaaaaaaa',
      Array.from({ length: 20 }, (_, index) => logEntry(`line ${index}`)),
    );
    const following = fullLogView(state, { width: 80, height: 5 }, 0, true);
    expect(plain(following.lines.at(-1)!)).toContain('line 19');
    expect(following.label).toContain('following');
    const scrolled = fullLogView(state, { width: 80, height: 5 }, 3, false);
    expect(plain(scrolled.lines.at(-1)!)).toContain('line 16');
    expect(fullLogView(state, { width: 80, height: 5 }, 1000, false).fromBottom).toBe(18); // clamped at the top
    expect(fullLogView(state, { width: 10, height: 50 }, 0, true).total).toBeGreaterThan(23);
  });

  it('alerts: most severe first; a count for the status line when there is no panel', () => {
    const state = sampleState();
    state.alerts = [
      alert({ alert_id: 'a1', severity: 'low', rule_name: 'stalled', message: 'no output for 10 min', run_id: 'sess_aaaaaaaaaaaa' }),
      alert({ alert_id: 'a2' }),
    ];
    const view = alertsView(state, { width: 100, height: 5 });
    expect(view.label).toBe(' Alerts · 2 active ');
    expect(plain(view.lines[0]!)).toMatch(/^HIGH\s+gpu hot: GPU 0 temperature 88 > 85\s+2m00s$/);
    expect(plain(view.lines[1]!)).toContain('stalled: no output for 10 min (sess_aaaaaaaaaaaa)');
    // narrow: the rule and age, then the message
    const narrow = alertsView(state, { width: 46, height: 6 }).lines.map(plain);
    expect(narrow.slice(0, 2)).toEqual([expect.stringMatching(/^HIGH\s+gpu hot\s+2m00s$/), '  GPU 0 temperature 88 > 85']);
    for (const line of narrow) expect(line.length).toBeLessThanOrEqual(46);
    expect(alertsSummary(state)).toBe('2 alerts');
    state.alerts = [];
    expect(plain(alertsView(state, { width: 70, height: 5 }).lines[0]!)).toBe('No active alerts.');
    state.alertsAvailable = false;
    expect(alertsView(state, { width: 70, height: 5 }).lines[0]).toBe('This agent has no alerting API.');
  });

  it('alerts panel: unread notifications below the alerts, giving way to them when space runs out', () => {
    const state = sampleState();
    const note = (id: string, message: string) => ({
      id,
      type: 'training',
      priority: 'low',
      message,
      read: false,
      created_at: new Date(NOW - 60_000).toISOString(),
    });
    state.alerts = [alert({ alert_id: 'a1' })];
    applyNotification(state, note('n1', 'Run sess_aaaaaaaaaaaa completed'));
    applyNotification(state, note('n2', 'Run sess_bbbbbbbbbbbb failed'));
    applyNotification(state, { ...note('n3', 'already read'), read: true });
    const view = alertsView(state, { width: 100, height: 5 });
    expect(view.label).toBe(' Alerts · 1 active · 2 unread ');
    expect(view.lines.map(plain)).toEqual([
      expect.stringMatching(/^HIGH\s+gpu hot/),
      expect.stringMatching(/^NOTE\s+Run sess_bbbbbbbbbbbb failed\s+1m00s$/),
      expect.stringMatching(/^NOTE\s+Run sess_aaaaaaaaaaaa completed/),
    ]);
    expect(alertsView(state, { width: 100, height: 2 }).lines.map(plain)).toEqual([expect.stringMatching(/^HIGH/), '… 2 more']);
    // an alert event: an acknowledged or resolved alert leaves the list, a new active one joins it
    expect(applyAlert(state, alert({ alert_id: 'a1', status: 'acknowledged' }))).toBe(true);
    expect(state.alerts).toEqual([]);
    expect(applyAlert(state, alert({ alert_id: 'a9', status: 'resolved' }))).toBe(false);
    expect(applyAlert(state, alert({ alert_id: 'a2' }))).toBe(true);
    expect(state.alerts!.map((known) => known.alert_id)).toEqual(['a2']);
  });

  it('status line: says when the agent is away and that it reconnects, and shows the last action', () => {
    const state = sampleState();
    expect(plain(statusLineView(state, 120))).toMatch(/^● http:\/\/127\.0\.0\.1:8000\s+\? help {2}s start {2}x stop {2}l log {2}f filter {2}q quit$/);
    expect(plain(statusLineView(state, 120)).length).toBe(120);
    state.connection = { state: 'down', since: NOW - 4000, detail: 'ECONNREFUSED', fatal: false };
    expect(plain(statusLineView(state, 120))).toContain('✖ agent unreachable (ECONNREFUSED) · reconnecting… 4s');
    state.connection = { state: 'connected', since: NOW };
    state.message = { text: 'sess_aaaaaaaaaaaa stopped', level: 'info', at: NOW };
    expect(plain(statusLineView(state, 120))).toContain('sess_aaaaaaaaaaaa stopped');
    for (const width of [40, 80, 200]) expect(plain(statusLineView(state, width)).length).toBeLessThanOrEqual(width);
    state.now = NOW + 60_000; // messages fade
    expect(plain(statusLineView(state, 120))).not.toContain('stopped');
  });

  it('details, confirmation, help, pickers', () => {
    const state = sampleState();
    state.selectedId = 'sess_ffffffffffff';
    const details = runDetailsView(state, 80).lines.map(plain);
    expect(details).toContain('state:      failed');
    expect(details).toContain('exit code:  3');
    expect(details).toContain('error:      Process exited with code 3');
    expect(details).toContain('params:     epochs=5');
    expect(plain(confirmStopView(state, 'sess_aaaaaaaaaaaa').lines[0]!)).toBe('Stop sess_aaaaaaaaaaaa (ticker, running, epoch 5/20)?');
    expect(plain(confirmStopView(state, 'sess_q1q1q1q1q1q1').lines[0]!)).toMatch(/^Cancel sess_q1q1q1q1q1q1/);
    expect(helpView().lines.map(plain).join('\n')).toMatch(/x\s+stop the selected run/);
    state.recipes = [
      { name: 'demo-mlp', description: 'A small network', backend: 'process', default: true, gpus: 0, priority: 0, params: {} },
      {
        name: 'ticker',
        description: 'Ticks',
        backend: 'process',
        default: false,
        gpus: 0,
        priority: 0,
        params: { epochs: { type: 'int', min: 1, default: 10 } },
      },
    ];
    const picker = recipePickerView(state, 1, { width: 60, height: 10 });
    expect(picker.lines.map(plain)).toEqual([expect.stringMatching(/^demo-mlp\s+A small network \(default\)/), expect.stringMatching(/^ticker\s+Ticks/)]);
    expect(picker.lines[1]).toMatch(/^\{inverse\}/);
    const filters = filterPickerView(state, 0, { width: 30, height: 20 }).lines.map((line) => plain(line).trimEnd());
    expect(filters[0]).toMatch(/^● all\s+7$/);
    expect(filters).toContainEqual(expect.stringMatching(/^ {2}active\s+5$/));
  });

  it('param form: defaults as key=value, parsed back with quotes, errors said plainly', () => {
    const recipe = {
      name: 'r',
      description: '',
      backend: 'process',
      default: false,
      gpus: 0,
      priority: 0,
      params: { epochs: { type: 'int', default: 10 }, name: { type: 'string', default: 'two words' }, lr: { type: 'float' } },
    };
    expect(paramTemplate(recipe)).toBe('epochs=10 name="two words" lr=');
    expect(parseParamText('epochs=10 name="two words" lr=0.1')).toEqual({ params: { epochs: '10', name: 'two words', lr: '0.1' } });
    expect(parseParamText("  a='x=y'  ")).toEqual({ params: { a: 'x=y' } });
    expect(parseParamText('')).toEqual({ params: {} });
    expect(parseParamText('epochs')).toEqual({ error: '"epochs" is not key=value (example: epochs=20).' });
    expect(parseParamText('a=1 a=2')).toEqual({ error: 'a is given twice.' });
    expect(parseParamText('a="1')).toEqual({ error: 'A " is not closed.' });
    const state = sampleState();
    state.recipes = [recipe];
    const form = paramFormView(state, { recipe: 'r', text: 'epochs=3', error: 'epochs: must be ≥ 5' }, 60).lines.map(plain);
    expect(form).toContain('> epochs=3 ');
    expect(form).toContain('  epochs: int, default 10');
    expect(form).toContain('epochs: must be ≥ 5');
  });

  it('text helpers', () => {
    expect(escapeTags('a {b} c')).toBe('a {open}b{close} c');
    expect(formatNumber(0.41234)).toBe('0.4123');
    expect(formatNumber(0.000505)).toBe('5.05e-4');
    expect(formatNumber(12)).toBe('12');
    expect(formatDuration(45_000)).toBe('45s');
    expect(formatDuration(723_000)).toBe('12m03s');
    expect(formatDuration(3 * 3600_000 + 7 * 60_000)).toBe('3h07m');
    expect(formatDuration(null)).toBe('-');
  });
});
