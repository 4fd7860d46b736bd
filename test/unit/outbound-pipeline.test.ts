import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../dist/src/logging/logger.js';
import { EventBus } from '../../dist/src/events/event-bus.js';
import { PluginRegistry } from '../../dist/src/plugins/plugin-registry.js';
import { NotificationDispatcher } from '../../dist/src/services/notification-dispatcher.js';
import { NotificationService } from '../../dist/src/services/notification-service.js';
import { OutboundPipeline } from '../../dist/src/services/outbound-pipeline.js';
import { WebhookService } from '../../dist/src/services/webhook-service.js';
import { AlertingStore } from '../../dist/src/store/alerting-store.js';
import { NotifierOutboxStore } from '../../dist/src/store/notifier-outbox-store.js';
import { WebhookStore } from '../../dist/src/store/webhook-store.js';

const runOf = (state: string, extra: Record<string, unknown> = {}) => ({
  id: 'sess_000000000001',
  recipe: 'ticker',
  state,
  params: {},
  gpu_ids: [],
  gpus: 0,
  current_epoch: 0,
  total_epochs: 8,
  started_at: null,
  ended_at: null,
  error_message: null,
  exit_code: null,
  final_metrics: null,
  origin: { platform: 'slack', channel: 'CTRAIN', thread: null, user: 'UANN' },
  ...extra,
});

async function pipelineIn(dir: string, logged: string[] = []) {
  const logger = createLogger({ level: 'warn', write: (line: string) => logged.push(line) });
  const registry = new PluginRegistry(logger);
  const events = new EventBus();
  let run = runOf('queued');
  const notifiers = new NotificationDispatcher({
    registry,
    logger,
    routes: [],
    chatThreads: [{ platform: 'slack', defaultChannel: null }],
    store: await NotifierOutboxStore.open(join(dir, 'notifier-outbox.json')),
    originOf: () => run.origin as never,
  });
  const pipeline = new OutboundPipeline({
    events,
    logger,
    notifiers,
    inbox: new NotificationService(await AlertingStore.open(join(dir, 'alerting.json')), events),
    webhooks: new WebhookService({ store: await WebhookStore.open(join(dir, 'webhooks.json')), registry, logger }),
    findRun: () => run as never,
    announced: () => undefined,
  });
  return { events, notifiers, pipeline, setRun: (next: ReturnType<typeof runOf>) => (run = next) };
}

describe('outbound pipeline', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trainer-outbound-'));
    dirs.push(dir);
    return dir;
  };

  it("keeps a chat-started run's thread updates until the bot can post, then sends them once, in order, in one thread", async () => {
    const { events, notifiers, pipeline, setRun } = await pipelineIn(await tempDir());
    events.emit('run.queued', { run: runOf('queued') } as never);
    events.emit('run.started', { run: runOf('running') } as never);
    setRun(runOf('running'));
    events.emit('run.metrics', { runId: 'sess_000000000001', records: [{ ts: 1, epoch: 4, loss: 0.5 }] } as never);
    events.emit('run.finished', { run: runOf('completed') } as never);
    // the same events seen again (as after a restart) add nothing
    events.emit('run.metrics', { runId: 'sess_000000000001', records: [{ ts: 1, epoch: 4, loss: 0.5 }] } as never);
    events.emit('run.finished', { run: runOf('completed') } as never);
    await pipeline.close();
    const pending = notifiers.deliveries({ status: 'pending', limit: 100 }).reverse();
    expect(pending.map((delivery: any) => delivery.message.event)).toEqual(['training_queued', 'training_started', 'training_progress', 'training_completed']);
    expect(pending.every((delivery: any) => delivery.notifier === 'chat:slack' && delivery.attempts.length === 0)).toBe(true);

    const sent: { event: string; threadRef: string | null }[] = [];
    let failOnce = true;
    notifiers.attachChat('slack', async (message: any) => {
      if (message.event === 'training_started' && failOnce) {
        failOnce = false;
        return { ok: false, detail: 'slack is down' };
      }
      sent.push({ event: message.event, threadRef: message.threadRef });
      return { ok: true, threadRef: message.threadRef ?? 'T1' };
    });
    await notifiers.drain();
    expect(sent.map((message) => message.event)).toEqual(['training_queued']); // the failed one holds back the rest of its thread
    notifiers.retryNow('chat:slack'); // the bot is connected again
    await notifiers.drain();
    expect(sent).toEqual([
      { event: 'training_queued', threadRef: null },
      { event: 'training_started', threadRef: 'T1' },
      { event: 'training_progress', threadRef: 'T1' },
      { event: 'training_completed', threadRef: 'T1' },
    ]);
    notifiers.close();
  });

  it('fails, rather than keeps forever, the waiting messages of a chat bot that is no longer configured', async () => {
    const dir = await tempDir();
    const logger = createLogger({ level: 'error', write: () => {} });
    const store = await NotifierOutboxStore.open(join(dir, 'notifier-outbox.json'));
    const at = new Date().toISOString();
    store.data.deliveries.push({
      delivery_id: 'ndelivery_1',
      notification_id: null,
      notifier: 'chat:discord',
      target: { channel: 'C1' },
      message: { event: 'training_started', severity: 'info', title: 't', summary: 's', fields: [], actions: [], runId: 'sess_1' },
      thread_key: null,
      status: 'pending',
      attempts: [],
      next_attempt_at: at,
      created_at: at,
      delivered_at: null,
    });
    const notifiers = new NotificationDispatcher({
      registry: new PluginRegistry(logger),
      logger,
      routes: [],
      chatThreads: [{ platform: 'slack', defaultChannel: null }],
      store,
      originOf: () => null,
    });
    await notifiers.retryDue();
    expect(store.data.deliveries[0]!.attempts.map((attempt: any) => attempt.error)).toEqual(["notifier 'chat:discord' is not configured any more"]);
    notifiers.close();
  });

  it('logs an event it could not write to the inbox instead of leaving the rejection unhandled', async () => {
    const dir = await tempDir();
    const logged: string[] = [];
    const { events, pipeline } = await pipelineIn(dir, logged);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await rm(dir, { recursive: true, force: true }); // the data dir is gone: every write fails
      events.emit('run.queued', { run: runOf('queued') } as never);
      await pipeline.close();
      expect(logged.join('\n')).toMatch(/could not hand an event to the inbox.*training_queued/);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
