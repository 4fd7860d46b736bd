import Router from '@koa/router';
import type { Context } from 'koa';
import { parseCursor, type StreamEvent, type StreamSink } from '../../services/run-stream-service.js';
import { statusView } from '../run-views.js';
import type { ApiServices } from '../services.js';
import { AllRunsStreamQuery } from '../contract/streams.js';
import { parse } from '../parse.js';

/** A client that lets this much pile up unread is dropped: it never grows the agent's memory further. */
export const SLOW_CLIENT_BYTES = 1024 * 1024;
const HEARTBEAT_MS = 15_000;

/** Server-Sent Events: one run's metrics, logs and status (seed 001), and every run's events for dashboards. */
export function streamRoutes({ streams }: ApiServices): Router {
  const router = new Router({ prefix: '/api/v1/sse' });

  router.get('/training/:sessionId', async (ctx) => {
    const resumeFrom = parseCursor(ctx.get('last-event-id') || (ctx.query.last_event_id as string | undefined));
    const sink = openSse(ctx);
    const close = await streams.openRunStream(ctx.params.sessionId!, resumeFrom, sink).catch((error) => {
      sink.abort();
      throw error;
    });
    sink.onClientGone(close);
  });

  router.get('/events', (ctx) => {
    const { logs } = parse(AllRunsStreamQuery, ctx.query);
    const sink = openSse(ctx);
    sink.open();
    sink.onClientGone(streams.openEventStream({ logs: logs === 'true' }, sink));
  });

  return router;
}

export function toWire(event: StreamEvent): unknown {
  if (event.type === 'status') return statusView(event.data);
  if (event.type === 'alert' || event.type === 'notification') return event.data;
  return { session_id: event.runId, ...metricObject(event.data) };
}

/** A metric or log record as a bare object: its values, then `timestamp` for `ts`. */
export function metricObject(record: object): Record<string, unknown> {
  const { ts, ...values } = record as Record<string, unknown>;
  return { ...values, timestamp: ts };
}

/** The SSE text of one event (null: not sent): named events with JSON data, the agent's own streams' format. */
function namedEvent(event: StreamEvent): string | null {
  const id = event.id ? `id: ${event.id}\n` : '';
  return `${id}event: ${event.type}\ndata: ${JSON.stringify(toWire(event))}\n\n`;
}

interface SseSink extends StreamSink {
  open(): void;
  onClientGone(listener: () => void): void;
  abort(): void;
}

const DRAIN_TIMEOUT_MS = 30_000;

/**
 * Backpressure with a limit: a client that reads nothing for 30 s is dropped. Whichever of drain, close or the
 * timer comes first removes the others' listeners: a long stream meets backpressure many times, and a listener
 * left behind per episode would pile up on the response.
 */
function waitForDrain(res: Context['res']): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const settle = (error?: Error) => {
      clearTimeout(timer);
      res.off('drain', onDrain);
      res.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => settle();
    const onClose = () => settle(new Error('client gone'));
    const timer = setTimeout(() => {
      settle(new Error('slow client dropped'));
      res.destroy();
    }, DRAIN_TIMEOUT_MS);
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}

/** Takes over the response: headers go out only with the first event, so a 404 can still be answered normally. */
export function openSse(ctx: Context, format: (event: StreamEvent) => string | null = namedEvent): SseSink {
  const res = ctx.res;
  let started = false;
  let ended = false;
  // one wait for drain however many sends meet the same backpressure (a sender need not await each)
  let draining: Promise<void> | null = null;
  const goneListeners: (() => void)[] = [];
  const start = () => {
    if (started) return;
    started = true;
    ctx.respond = false;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
  };
  const heartbeat = setInterval(() => started && !ended && res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  const finish = () => {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    for (const listener of goneListeners) listener();
  };
  ctx.req.on('close', finish);
  res.on('close', finish);
  return {
    open: start,
    send(event) {
      if (ended) throw new Error('client gone');
      start();
      if (res.writableLength > SLOW_CLIENT_BYTES) {
        res.destroy();
        throw new Error('slow client dropped');
      }
      const text = format(event);
      if (text === null) return;
      const ok = res.write(text);
      if (!ok) return (draining ??= waitForDrain(res).finally(() => (draining = null)));
    },
    end() {
      start();
      if (!ended) res.end();
      finish();
    },
    onClientGone(listener) {
      if (ended) listener();
      else goneListeners.push(listener);
    },
    abort() {
      clearInterval(heartbeat);
    },
  };
}
