import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { AppError } from '../errors.js';
import { guardUpgrades } from '../services/listener-guard.js';
import type { Logger } from '../logging/logger.js';
import { parseCursor, type StreamEvent, type StreamSink } from '../services/run-stream-service.js';
import { presentedKey } from './key-verifier.js';
import { metricObject, SLOW_CLIENT_BYTES, toWire } from './routes/stream-routes.js';
import type { ApiServices } from './services.js';

const RUN_PATH = /^\/api\/v1\/ws\/training\/([^/]+)$/;
const EVENTS_PATH = '/api/v1/ws/events';
/** Seed 004's job stream: bare metric objects, one a message. */
const JOB_PATH = /^\/ws\/jobs\/([^/]+)\/stream$/;

/**
 * WebSocket streams (seed 001): the same events as the SSE streams, one JSON message each:
 * `{"event": "metrics"|"log"|"status"|"alert"|"notification", "id": "...", "data": {...}}`. Authenticated like the REST API
 * (`?api_key=` accepted); resume with `?last_event_id=`. Seed 004's `/ws/jobs/{id}/stream` sends a job's
 * metrics as bare objects (`{"step": 100, "loss": 0.45, …}`), from its first, and closes when it ends.
 */
export function attachWebSockets(server: Server, services: ApiServices, logger: Logger): () => void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const onUpgrade = guardUpgrades('websocket', logger, (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const jobMatch = JOB_PATH.exec(url.pathname);
    const runMatch = RUN_PATH.exec(url.pathname) ?? jobMatch;
    if (!runMatch && url.pathname !== EVENTS_PATH) return refuse(socket, 404, 'Not Found');
    const key = presentedKey(request.headers as Record<string, string>, url.searchParams);
    if (!key || !services.keys.verify(key)) return refuse(socket, 401, key ? 'Invalid API key' : 'Missing API key');
    if (runMatch && !exists(() => services.runs.get(decodeURIComponent(runMatch[1]!))))
      return refuse(socket, 404, `Session '${decodeURIComponent(runMatch[1]!)}' not found`);
    wss.handleUpgrade(request, socket, head, (ws) => {
      const sink = webSocketSink(ws, jobMatch ? metricsOnly : wrapped);
      if (jobMatch) {
        services.streams
          .openMetricStream(decodeURIComponent(jobMatch[1]!), 0, sink)
          .then((close) => ws.once('close', close))
          .catch((error: Error) => {
            logger.warn('websocket stream failed', { error: error.message });
            ws.close(1011, 'stream failed');
          });
      } else if (runMatch) {
        services.streams
          .openRunStream(decodeURIComponent(runMatch[1]!), parseCursor(url.searchParams.get('last_event_id')), sink)
          .then((close) => ws.once('close', close))
          .catch((error: Error) => {
            logger.warn('websocket stream failed', { error: error.message });
            ws.close(1011, 'stream failed');
          });
      } else {
        ws.once('close', services.streams.openEventStream({ logs: url.searchParams.get('logs') === 'true' }, sink));
      }
    });
  });
  server.on('upgrade', onUpgrade);
  return () => {
    server.off('upgrade', onUpgrade);
    for (const client of wss.clients) client.terminate();
    wss.close();
  };
}

const wrapped = (event: StreamEvent): unknown => ({ event: event.type, id: event.id, data: toWire(event) });
const metricsOnly = (event: StreamEvent): unknown => (event.type === 'metrics' ? metricObject(event.data) : null);

function webSocketSink(ws: WebSocket, format: (event: StreamEvent) => unknown): StreamSink {
  return {
    send(event) {
      if (ws.readyState !== ws.OPEN) throw new Error('client gone');
      if (ws.bufferedAmount > SLOW_CLIENT_BYTES) {
        ws.terminate();
        throw new Error('slow client dropped');
      }
      const message = format(event);
      if (message !== null) ws.send(JSON.stringify(message));
    },
    end() {
      if (ws.readyState === ws.OPEN) ws.close(1000, 'stream ended');
    },
  };
}

function exists(lookup: () => unknown): boolean {
  try {
    lookup();
    return true;
  } catch (error) {
    if (error instanceof AppError) return false;
    throw error;
  }
}

function refuse(socket: Duplex, status: number, detail: string): void {
  const body = JSON.stringify({ detail, code: status === 401 ? 'unauthenticated' : 'not_found' });
  socket.end(
    `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Not Found'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
