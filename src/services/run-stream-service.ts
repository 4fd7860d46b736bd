import type { AlertRecord, NotificationRecord } from '../domain/alerting.js';
import type { LogRecord, MetricRecord } from '../domain/run-records.js';
import { isFinal, type Run } from '../domain/run.js';
import type { AgentEvents, EventBus } from '../events/event-bus.js';
import type { RunFiles } from '../store/run-files.js';
import type { RunPaths } from '../store/run-paths.js';
import type { RunActivity } from './run-activity.js';
import type { RunService } from './run-service.js';

export type StreamEvent =
  | { type: 'metrics'; runId: string; data: MetricRecord; id?: string }
  | { type: 'log'; runId: string; data: LogRecord; id?: string }
  | { type: 'status'; runId: string; data: Run; id?: string }
  | { type: 'alert'; runId: string | null; data: AlertRecord; id?: string }
  | { type: 'notification'; runId: string | null; data: NotificationRecord; id?: string };

/** Where a run's stream stands: byte offsets in its metrics and log files. Serialized as an event id. */
export interface StreamCursor {
  metrics: number;
  log: number;
}

export const formatCursor = (cursor: StreamCursor) => `m${cursor.metrics}.l${cursor.log}`;
export function parseCursor(text: string | undefined | null): StreamCursor | null {
  const match = /^m(\d{1,15})\.l(\d{1,15})$/.exec(text ?? '');
  return match ? { metrics: Number(match[1]), log: Number(match[2]) } : null;
}

export interface StreamSink {
  /** Returns a promise while the client is slow to read (backpressure); may throw to end the stream. */
  send(event: StreamEvent): void | Promise<void>;
  end(): void;
}

const STATUS_EVENTS = ['run.created', 'run.queued', 'run.started', 'run.finished', 'run.cancelled'] as const;
const ALERT_EVENTS = ['alert.triggered', 'alert.acknowledged', 'alert.resolved'] as const;

/**
 * Live streams of runs for SSE and WebSocket clients. A run stream can resume from a cursor without
 * loss: it replays the run's files from the cursor up to where live events begin, then goes live.
 */
export class RunStreamService {
  constructor(private readonly deps: { runs: RunService; activity: RunActivity; files: RunFiles; paths: RunPaths; events: EventBus }) {}

  /** Throws 404 for an unknown run. Resolves with a function that ends the subscription. */
  async openRunStream(runId: string, resumeFrom: StreamCursor | null, sink: StreamSink): Promise<() => void> {
    const run = this.deps.runs.get(runId);
    const { events, files } = this.deps;
    const buffered: StreamEvent[][] = [];
    let live = false;
    let closed = false;
    const snapshot = await this.currentOffsets(runId);
    const cursor: StreamCursor = resumeFrom ? { ...resumeFrom } : { ...snapshot };

    const deliver = async (batch: StreamEvent[]) => {
      try {
        for (const event of batch) await sink.send(event);
      } catch {
        close();
      }
    };
    const push = (batch: StreamEvent[]) => {
      if (closed) return;
      if (live) void deliver(batch);
      else buffered.push(batch);
    };
    const unsubscribers = [
      events.on('run.metrics', (event) => {
        if (event.runId !== runId || event.range.start < snapshot.metrics) return;
        push(this.recordEvents('metrics', event, cursor));
      }),
      events.on('run.log', (event) => {
        if (event.runId !== runId || event.range.start < snapshot.log) return;
        push(this.recordEvents('log', event, cursor));
      }),
      ...STATUS_EVENTS.map((name) =>
        events.on(name, ({ run: changed }) => {
          if (changed.id !== runId) return;
          push([{ type: 'status', runId, data: changed, id: formatCursor(cursor) }]);
        }),
      ),
    ];
    function close() {
      if (closed) return;
      closed = true;
      for (const unsubscribe of unsubscribers) unsubscribe();
      sink.end();
    }

    await deliver([{ type: 'status', runId, data: run, id: formatCursor(cursor) }]);
    if (resumeFrom) {
      await files.readRange<MetricRecord>(runId, 'metrics', resumeFrom.metrics, snapshot.metrics, async (records, end) => {
        cursor.metrics = end;
        await deliver(records.map((data, index) => ({ type: 'metrics', runId, data, id: index === records.length - 1 ? formatCursor(cursor) : undefined })));
      });
      await files.readRange<LogRecord>(runId, 'log', resumeFrom.log, snapshot.log, async (records, end) => {
        cursor.log = end;
        await deliver(records.map((data, index) => ({ type: 'log', runId, data, id: index === records.length - 1 ? formatCursor(cursor) : undefined })));
      });
    }
    for (const batch of buffered.splice(0)) await deliver(batch);
    live = true;
    // a finished run has nothing more to say once its files are replayed
    if (isFinal(this.deps.runs.get(runId).state) && !this.deps.activity.isActive(runId)) close();
    else {
      const endOnFinish = events.on('run.finished', ({ run: finished }) => {
        if (finished.id === runId) setImmediate(close);
      });
      unsubscribers.push(endOnFinish);
    }
    return close;
  }

  /**
   * Every run's status changes and metrics (and, if asked, logs), alerts as they trigger, are acknowledged
   * or resolve, and new notifications: everything a dashboard shows, so that it polls nothing. No resume.
   */
  openEventStream(options: { logs: boolean }, sink: StreamSink): () => void {
    const { events } = this.deps;
    let closed = false;
    const send = (event: StreamEvent) => {
      if (closed) return;
      Promise.resolve(sink.send(event)).catch(() => close());
    };
    const unsubscribers = [
      ...STATUS_EVENTS.map((name) => events.on(name, ({ run }) => send({ type: 'status', runId: run.id, data: run }))),
      events.on('run.metrics', ({ runId, records }) => records.forEach((data) => send({ type: 'metrics', runId, data }))),
      ...ALERT_EVENTS.map((name) => events.on(name, ({ alert }) => send({ type: 'alert', runId: alert.run_id, data: alert }))),
      events.on('notification.created', ({ notification }) => send({ type: 'notification', runId: null, data: notification })),
    ];
    if (options.logs) unsubscribers.push(events.on('run.log', ({ runId, records }) => records.forEach((data) => send({ type: 'log', runId, data }))));
    function close() {
      if (closed) return;
      closed = true;
      for (const unsubscribe of unsubscribers) unsubscribe();
      sink.end();
    }
    return close;
  }

  /**
   * A run's metrics (seed 004's job streams), replayed from a byte offset of its metrics file (0: from
   * the start), then live; its log is not replayed. Status events still come, and the stream ends with the run.
   */
  async openMetricStream(runId: string, fromMetricsOffset: number, sink: StreamSink): Promise<() => void> {
    this.deps.runs.get(runId);
    const { log } = await this.currentOffsets(runId);
    return this.openRunStream(runId, { metrics: fromMetricsOffset, log }, sink);
  }

  private recordEvents<K extends 'metrics' | 'log'>(
    type: K,
    event: AgentEvents[K extends 'metrics' ? 'run.metrics' : 'run.log'],
    cursor: StreamCursor,
  ): StreamEvent[] {
    cursor[type] = event.range.end;
    const id = formatCursor(cursor);
    return event.records.map((data, index) => ({ type, runId: event.runId, data, id: index === event.records.length - 1 ? id : undefined }) as StreamEvent);
  }

  private async currentOffsets(runId: string): Promise<StreamCursor> {
    const followed = this.deps.activity.followedOffsets(runId);
    if (followed) return { metrics: followed.metricsOffset, log: followed.logOffset };
    const { files, paths } = this.deps;
    return { metrics: await files.sizeOf(paths.metrics(runId)), log: await files.logEnd(runId) };
  }
}
