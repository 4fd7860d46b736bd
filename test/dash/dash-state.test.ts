import { describe, expect, it } from 'vitest';
import {
  applyMetrics,
  applySessions,
  applyStatus,
  appendLog,
  chartedMetrics,
  etaMs,
  elapsedMs,
  MAX_LOG_ENTRIES,
  pickLossMetrics,
  pickValMetric,
  progress,
  queuePosition,
  resetCurves,
  resetLog,
  setSeries,
  visibleRuns,
} from '../../dist/src/dash/dash-state.js';
import { NOW, sampleState, session, status } from './dash-fixtures.js';

// What the dashboard knows, fed by hand the way the feed feeds it from the agent.
describe('dashboard state', () => {
  it('orders the table: running (oldest start first), queued (in start order), created, then ended (newest first)', () => {
    const state = sampleState();
    expect(visibleRuns(state).map((row) => row.id)).toEqual([
      'sess_aaaaaaaaaaaa',
      'sess_bbbbbbbbbbbb',
      'sess_q2q2q2q2q2q2', // priority 5 starts before the older q1
      'sess_q1q1q1q1q1q1',
      'sess_cccccccccccc',
      'sess_ffffffffffff',
      'sess_dddddddddddd',
    ]);
    // after a (re)connect the first row is selected
    expect(state.selectedId).toBe('sess_aaaaaaaaaaaa');
    expect(queuePosition(state, state.runs.get('sess_q2q2q2q2q2q2')!)).toBe(1);
    expect(queuePosition(state, state.runs.get('sess_q1q1q1q1q1q1')!)).toBe(2);
  });

  it('filters by state, "active" being running, queued and created', () => {
    const state = sampleState();
    state.filter = 'active';
    expect(visibleRuns(state).map((row) => row.state)).toEqual(['running', 'running', 'queued', 'queued', 'created']);
    state.filter = 'failed';
    expect(visibleRuns(state).map((row) => row.id)).toEqual(['sess_ffffffffffff']);
  });

  it('merges status events: a new run appears, a stopped run changes state, the epoch of the metrics is kept', () => {
    const state = sampleState();
    applyStatus(state, status('sess_eeeeeeeeeeee', 'queued', { queued_at: '2026-01-02T03:09:00.000Z' }));
    expect(visibleRuns(state).map((row) => row.id)).toContain('sess_eeeeeeeeeeee');
    applyMetrics(state, { session_id: 'sess_bbbbbbbbbbbb', epoch: 3, loss: 0.2, timestamp: '2026-01-02T03:09:00.000Z' });
    expect(state.runs.get('sess_bbbbbbbbbbbb')!.epoch).toBe(3);
    // a status event of the same state (older epoch) does not move the epoch back
    applyStatus(state, status('sess_bbbbbbbbbbbb', 'running', { current_epoch: 1, total_epochs: 4, start_time: '2026-01-02T03:05:00.000Z' }));
    expect(state.runs.get('sess_bbbbbbbbbbbb')!.epoch).toBe(3);
    applyStatus(
      state,
      status('sess_bbbbbbbbbbbb', 'stopped', {
        current_epoch: 3,
        total_epochs: 4,
        start_time: '2026-01-02T03:05:00.000Z',
        end_time: '2026-01-02T03:09:30.000Z',
        end_reason: 'stopped_by_user',
      }),
    );
    const stopped = state.runs.get('sess_bbbbbbbbbbbb')!;
    expect(stopped).toMatchObject({ state: 'stopped', endReason: 'stopped_by_user', metrics: { loss: 0.2 } });
    // ended runs sort after the active ones
    expect(visibleRuns(state).findIndex((row) => row.id === stopped.id)).toBeGreaterThan(visibleRuns(state).findIndex((row) => row.state === 'created'));
  });

  it('a resync keeps the metrics it knew, and drops ended runs the agent no longer lists', () => {
    const state = sampleState();
    const a = status('sess_aaaaaaaaaaaa', 'running', { current_epoch: 6, total_epochs: 20, start_time: '2026-01-02T03:00:00.000Z' });
    applySessions(state, [session(a)]);
    expect(state.runs.get('sess_aaaaaaaaaaaa')!.metrics.loss).toBe(0.41234);
    expect(state.runs.has('sess_dddddddddddd')).toBe(false);
    // active runs stay, even unlisted: only the list's page size hid them
    expect(state.runs.has('sess_q1q1q1q1q1q1')).toBe(true);
  });

  it('computes elapsed, ETA at the pace so far, and progress', () => {
    const state = sampleState();
    const a = state.runs.get('sess_aaaaaaaaaaaa')!;
    expect(elapsedMs(a, NOW)).toBe(10 * 60_000);
    expect(etaMs(a, NOW)).toBe(30 * 60_000); // 5 of 20 epochs in 10 minutes
    expect(progress(a)).toBe(0.25);
    const done = state.runs.get('sess_dddddddddddd')!;
    expect(elapsedMs(done, NOW)).toBe(60_000);
    expect(etaMs(done, NOW)).toBeNull();
    expect(progress(done)).toBe(1);
    expect(elapsedMs(state.runs.get('sess_q1q1q1q1q1q1')!, NOW)).toBeNull();
  });

  it("shows the agent's progress from a progress bar when the run has no epoch count", () => {
    const state = sampleState();
    const row = applyStatus(state, status('sess_bbbbbbbbbbbb', 'running', { current_epoch: null, total_epochs: null, progress: 0.45 }));
    expect(progress(row)).toBe(0.45);
    expect(progress(applyStatus(state, status('sess_bbbbbbbbbbbb', 'running', { current_epoch: null, total_epochs: null, progress: null })))).toBeNull();
  });

  it('picks the curves to draw from the metric names', () => {
    expect(pickValMetric(['loss', 'val_loss', 'val_accuracy'])).toBe('val_accuracy');
    expect(pickValMetric(['loss', 'val_loss'])).toBe('val_loss');
    expect(pickValMetric(['loss', 'accuracy'])).toBe('accuracy');
    expect(pickValMetric(['loss'])).toBeNull();
    expect(pickLossMetrics(['accuracy', 'val_loss', 'loss', 'train_loss', 'aux_loss'])).toEqual(['loss', 'val_loss', 'train_loss']);
    expect(pickLossMetrics([])).toEqual(['loss']);
    const state = sampleState();
    expect(chartedMetrics(state.runs.get('sess_aaaaaaaaaaaa')!)).toEqual(['loss', 'val_loss', 'val_accuracy']);
  });

  it('merges a history with the live points that raced it, once each', () => {
    const state = sampleState();
    resetCurves(state, 'sess_aaaaaaaaaaaa');
    state.curves.series.set('loss', { name: 'loss', xs: [], ys: [] });
    // a live point comes before the history answer, which already holds it
    applyMetrics(state, { session_id: 'sess_aaaaaaaaaaaa', epoch: 6, loss: 0.3, timestamp: null });
    setSeries(
      state,
      'sess_aaaaaaaaaaaa',
      'loss',
      [1, 2, 3, 4, 5, 6].map((epoch) => ({ session_id: 'sess_aaaaaaaaaaaa', epoch, loss: 1 / epoch, timestamp: null })),
    );
    applyMetrics(state, { session_id: 'sess_aaaaaaaaaaaa', epoch: 6, loss: 0.3, timestamp: null });
    applyMetrics(state, { session_id: 'sess_aaaaaaaaaaaa', epoch: 7, loss: 0.25, timestamp: null });
    const loss = state.curves.series.get('loss')!;
    expect(loss.xs).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(loss.ys.at(-1)).toBe(0.25);
    // an answer for a run no longer selected is dropped
    resetCurves(state, 'sess_bbbbbbbbbbbb');
    setSeries(state, 'sess_aaaaaaaaaaaa', 'loss', [{ epoch: 1, loss: 1 }]);
    expect(state.curves.series.size).toBe(0);
  });

  it('keeps a long curve short by halving it, and the log to its cap', () => {
    const state = sampleState();
    resetCurves(state, 'sess_aaaaaaaaaaaa');
    setSeries(
      state,
      'sess_aaaaaaaaaaaa',
      'loss',
      Array.from({ length: 1000 }, (_, index) => ({ epoch: index + 1, loss: 1 / (index + 1) })),
    );
    const loss = state.curves.series.get('loss')!;
    expect(loss.xs.length).toBeLessThanOrEqual(400);
    expect(loss.xs.at(-1)).toBe(1000);
    resetLog(state, 'sess_aaaaaaaaaaaa');
    const entry = { session_id: 'sess_aaaaaaaaaaaa', timestamp: '2026-01-02T03:09:00.000Z', level: 'info', message: 'x' };
    appendLog(
      state,
      'sess_aaaaaaaaaaaa',
      Array.from({ length: MAX_LOG_ENTRIES + 10 }, () => entry),
    );
    expect(state.log.entries.length).toBe(MAX_LOG_ENTRIES);
    appendLog(state, 'sess_bbbbbbbbbbbb', [entry]); // not the selected run's: ignored
    expect(state.log.entries.length).toBe(MAX_LOG_ENTRIES);
  });
});
