import { describe, expect, it } from 'vitest';
import { deliverableNow, threadKeyOf, type NotifierDeliveryRecord } from '../../dist/src/domain/notifier-outbox.js';

const delivery = (id: string, extra: Partial<NotifierDeliveryRecord> = {}): NotifierDeliveryRecord => ({
  delivery_id: id,
  notification_id: `n_${id}`,
  notifier: 'slack',
  target: { channel: 'C1' },
  message: { event: 'training_started', severity: 'info', title: 't', summary: 's', fields: [], actions: [], runId: 'sess_1' },
  thread_key: 'slack|{"channel":"C1"}|sess_1',
  status: 'pending',
  attempts: [],
  next_attempt_at: '2026-01-01T00:00:00.000Z',
  created_at: '2026-01-01T00:00:00.000Z',
  delivered_at: null,
  ...extra,
});
const NOW = Date.parse('2026-01-01T00:00:10.000Z');

describe('notifier outbox order', () => {
  it("tries a thread's oldest pending message only, and messages about no run freely", () => {
    const ready = deliverableNow(
      [delivery('a', { status: 'delivered' }), delivery('b'), delivery('c'), delivery('x', { thread_key: null }), delivery('y', { thread_key: null })],
      NOW,
      new Set(),
    );
    expect(ready.map((d) => d.delivery_id)).toEqual(['b', 'x', 'y']);
  });

  it('waits for the backoff, and for a message in flight, without letting the next of its thread pass', () => {
    const later = delivery('b', { next_attempt_at: '2026-01-01T00:01:00.000Z' });
    expect(deliverableNow([later, delivery('c')], NOW, new Set())).toEqual([]);
    expect(deliverableNow([delivery('b'), delivery('c')], NOW, new Set(['b']))).toEqual([]);
    expect(deliverableNow([delivery('b', { status: 'failed' }), delivery('c')], NOW, new Set()).map((d) => d.delivery_id)).toEqual(['c']);
  });

  it('keys a thread by notifier, target (whatever its key order) and run', () => {
    expect(threadKeyOf('slack', { channel: 'C1', thread: 'x' }, 'sess_1')).toBe(threadKeyOf('slack', { thread: 'x', channel: 'C1' }, 'sess_1'));
    expect(threadKeyOf('slack', { channel: 'C1' }, 'sess_1')).not.toBe(threadKeyOf('discord', { channel: 'C1' }, 'sess_1'));
    expect(threadKeyOf('slack', { channel: 'C1' }, null)).toBeNull();
  });
});
