import { describe, expect, it } from 'vitest';
import { DEFAULT_METRIC_EXPOSURE, exposedRuns, metricNameFilter } from '../../dist/src/domain/metric-exposure.js';

const NOW = Date.parse('2026-12-07T12:00:00Z');
const minutesAgo = (minutes: number) => new Date(NOW - minutes * 60_000).toISOString();
const run = (id: string, state: string, startedMinutesAgo: number | null, endedMinutesAgo: number | null = null) =>
  ({
    id,
    state,
    started_at: startedMinutesAgo === null ? null : minutesAgo(startedMinutesAgo),
    ended_at: endedMinutesAgo === null ? null : minutesAgo(endedMinutesAgo),
  }) as any;

describe('which runs reach Prometheus', () => {
  const runs = [
    run('old-done', 'completed', 60, 30),
    run('recent-done', 'completed', 20, 5),
    run('newer-done', 'failed', 10, 1),
    run('running-a', 'running', 50),
    run('running-b', 'running', 3),
    run('queued', 'queued', null),
    run('cancelled-in-queue', 'cancelled', null, 1),
  ];

  it('takes running runs, newest first, then runs ended within the retention, most recent first', () => {
    const { runs: chosen, leftOut } = exposedRuns(runs, NOW, DEFAULT_METRIC_EXPOSURE);
    expect(chosen.map((r) => r.id)).toEqual(['running-b', 'running-a', 'newer-done', 'recent-done']);
    expect(leftOut).toBe(0);
  });

  it('caps the number of runs and says how many it left out', () => {
    const { runs: chosen, leftOut } = exposedRuns(runs, NOW, { ...DEFAULT_METRIC_EXPOSURE, maxRuns: 3 });
    expect(chosen.map((r) => r.id)).toEqual(['running-b', 'running-a', 'newer-done']);
    expect(leftOut).toBe(1);
  });

  it('drops ended runs once the retention has passed (0: only running runs)', () => {
    expect(exposedRuns(runs, NOW, { ...DEFAULT_METRIC_EXPOSURE, endedRetentionMs: 0 }).runs.map((r) => r.id)).toEqual(['running-b', 'running-a']);
  });
});

describe('metric name filter', () => {
  it('exports what the allow-list names unless the deny-list names it; * is a wildcard, other characters literal', () => {
    const exported = metricNameFilter({ allow: ['loss', 'val_*', 'lr.x'], deny: ['val_debug*'] });
    expect(['loss', 'val_loss', 'val_accuracy', 'lr.x'].filter(exported)).toEqual(['loss', 'val_loss', 'val_accuracy', 'lr.x']);
    expect(['val_debug_norm', 'accuracy', 'lrxx', 'xloss'].filter(exported)).toEqual([]);
  });
});
