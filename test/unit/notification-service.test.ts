import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../dist/src/logging/logger.js';
import { EventBus } from '../../dist/src/events/event-bus.js';
import { NotificationService } from '../../dist/src/services/notification-service.js';
import { AlertingStore } from '../../dist/src/store/alerting-store.js';

describe('notification inbox', () => {
  it('logs a lifecycle notification it could not write instead of leaving the rejection unhandled', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trainer-inbox-'));
    const store = await AlertingStore.open(join(dir, 'alerting.json'));
    const events = new EventBus();
    const logged: string[] = [];
    new NotificationService(store, events, createLogger({ level: 'error', write: (line) => logged.push(line) }));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await rm(dir, { recursive: true, force: true }); // the data dir is gone: every write fails
      const run = { id: 'sess_000000000001', recipe: 'ticker', state: 'queued', gpu_ids: [], current_epoch: null, total_epochs: 2, started_at: null, ended_at: null, error_message: null };
      events.emit('run.queued', { run } as never);
      for (let waited = 0; logged.length === 0 && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(logged.join('\n')).toMatch(/could not record a notification.*sess_000000000001.*training_queued/);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
