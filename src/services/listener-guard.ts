import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../logging/logger.js';

type RequestListener = (request: IncomingMessage, response: ServerResponse) => unknown;
type UpgradeListener = (request: IncomingMessage, socket: Duplex, head: Buffer) => unknown;

/**
 * Server timeouts for every listener the agent opens (documented in README "Security"): a client that
 * trickles its headers or its body is cut off (408); streams (SSE, WebSocket) are answers, not requests,
 * and are not affected. Timed-out requests are looked for every `checkIntervalMs`.
 */
export interface ServerTimeouts {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  checkIntervalMs: number;
}

export const DEFAULT_SERVER_TIMEOUTS: ServerTimeouts = {
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 300_000,
  keepAliveTimeoutMs: 5_000,
  checkIntervalMs: 5_000,
};

/**
 * One guard for everything that takes raw input outside Koa (HTTP upgrades, the Slack and Discord
 * receivers): whatever a listener throws, synchronously or as a rejected promise, is logged and
 * answered 400 (or the socket closed), never left to end the process.
 */
export function guardRequests(name: string, logger: Logger, listener: RequestListener): RequestListener {
  const fail = (request: IncomingMessage, response: ServerResponse, error: unknown) => {
    logger.warn(`${name}: request refused`, {
      method: request.method,
      url: String(request.url).slice(0, 200),
      error: (error as Error)?.message ?? String(error),
    });
    if (!response.headersSent)
      response.writeHead(400, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify({ detail: 'Bad request' }));
    else response.destroy();
  };
  return (request, response) => {
    try {
      const result = listener(request, response);
      if (result instanceof Promise) result.catch((error: unknown) => fail(request, response, error));
    } catch (error) {
      fail(request, response, error);
    }
  };
}

export function guardUpgrades(name: string, logger: Logger, listener: UpgradeListener): UpgradeListener {
  const fail = (request: IncomingMessage, socket: Duplex, error: unknown) => {
    logger.warn(`${name}: upgrade refused`, { url: String(request.url).slice(0, 200), error: (error as Error)?.message ?? String(error) });
    if (!socket.destroyed && socket.writable) {
      const body = JSON.stringify({ detail: 'Bad request' });
      socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
    } else socket.destroy();
  };
  return (request, socket, head) => {
    socket.on('error', () => socket.destroy()); // a peer that resets mid-handshake is not an agent failure
    try {
      const result = listener(request, socket, head);
      if (result instanceof Promise) result.catch((error: unknown) => fail(request, socket, error));
    } catch (error) {
      fail(request, socket, error);
    }
  };
}

/** An HTTP server with the timeouts set and a `clientError` answer (malformed HTTP: 4xx and close). */
export function createHardenedServer(name: string, logger: Logger, listener?: RequestListener, timeouts: Partial<ServerTimeouts> = {}): Server {
  const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, checkIntervalMs } = { ...DEFAULT_SERVER_TIMEOUTS, ...timeouts };
  const server = createServer({
    headersTimeout: Math.min(headersTimeoutMs, requestTimeoutMs),
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(checkIntervalMs, requestTimeoutMs),
  });
  if (listener) server.on('request', listener);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    logger.debug(`${name}: malformed request`, { code: error.code, error: error.message });
    if (socket.writable && !socket.destroyed && error.code !== 'ECONNRESET') {
      const status =
        error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? '408 Request Timeout'
          : error.code === 'HPE_HEADER_OVERFLOW'
            ? '431 Request Header Fields Too Large'
            : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    } else socket.destroy();
  });
  return server;
}
