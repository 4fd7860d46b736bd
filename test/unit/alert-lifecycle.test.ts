import { describe, expect, it } from 'vitest';
import { stepRule } from '../../src/domain/alert-lifecycle.js';

const rule = {
  rule_id: 'r',
  name: 'r',
  type: 'threshold',
  params: {},
  severity: 'high',
  enabled: true,
  for_seconds: 10,
  repeat_interval_seconds: 60,
  source: 'api',
  created_at: '',
} as any;
const finding = { key: 'gpu:0', message: 'hot', value: 90 };

describe('alert lifecycle step', () => {
  it('waits `for` before firing, and forgets a condition that went away', () => {
    const pending = new Map<string, number>();
    expect(stepRule(rule, [finding], pending, [], 0)).toEqual([]);
    expect(stepRule(rule, [finding], pending, [], 9_999)).toEqual([]);
    expect(stepRule(rule, [finding], pending, [], 10_000)).toEqual([{ kind: 'fire', finding }]);
    stepRule(rule, [finding], pending, [], 20_000);
    stepRule(rule, [], pending, [], 21_000);
    expect(stepRule(rule, [finding], pending, [], 22_000)).toEqual([]); // the clock restarted
  });

  it('repeats active alerts on the interval, not acknowledged ones, and resolves what is gone', () => {
    const active = { key: 'gpu:0', status: 'active', triggered_at: new Date(0).toISOString(), last_notified_at: new Date(0).toISOString() } as any;
    expect(stepRule(rule, [finding], new Map(), [active], 30_000)[0]!.kind).toBe('update');
    expect(stepRule(rule, [finding], new Map(), [active], 60_000)[0]!.kind).toBe('repeat');
    expect(stepRule(rule, [finding], new Map(), [{ ...active, status: 'acknowledged' }], 600_000)[0]!.kind).toBe('update');
    expect(stepRule(rule, [], new Map(), [active], 61_000)).toEqual([{ kind: 'resolve', alert: active }]);
  });
});
