import { createServer, get, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'koa';
import { describe, expect, it } from 'vitest';
import { openSse } from '../../src/api/routes/stream-routes.js';
import type { StreamEvent } from '../../src/services/run-stream-service.js';

describe('SSE backpressure', () => {
  it('leaves no listener behind on the response after each wait for drain', async () => {
    const EVENTS = 200;
    const chunk = `data: ${'x'.repeat(64 * 1024)}\n\n`; // each write is over the socket's high-water mark: every send waits for drain
    let waits = 0;
    let response: ServerResponse | undefined;
    const served = new Promise<number>((resolve, reject) => {
      const server = createServer(async (req, res) => {
        response = res;
        const sink = openSse({ req, res, respond: true } as unknown as Context, () => chunk);
        try {
          for (let i = 0; i < EVENTS; i++) {
            const pending = sink.send({ type: 'log' } as unknown as StreamEvent);
            if (pending) {
              waits++;
              await pending;
            }
          }
          const left = res.listenerCount('close') + res.listenerCount('drain');
          sink.end();
          server.close();
          resolve(left);
        } catch (error) {
          reject(error);
        }
      });
      server.listen(0, '127.0.0.1', () => {
        get({ host: '127.0.0.1', port: (server.address() as AddressInfo).port }, (res) => res.resume());
      });
    });
    const listenersLeft = await served;
    expect(waits).toBeGreaterThan(EVENTS / 2);
    // the sink's own close listener (and Node's) only: not one per backpressure episode
    expect(listenersLeft).toBeLessThan(5);
    expect(response!.writableEnded).toBe(true);
  });

  it('shares one wait for drain between sends that do not await it', async () => {
    const chunk = `data: ${'y'.repeat(64 * 1024)}\n\n`;
    const listenersDuring = await new Promise<number>((resolve, reject) => {
      const server = createServer(async (req, res) => {
        const sink = openSse({ req, res, respond: true } as unknown as Context, () => chunk);
        try {
          // a sender that fires and forgets: 12 sends (under the slow-client limit) before any drains
          const pending = Array.from({ length: 12 }, () => sink.send({ type: 'log' } as unknown as StreamEvent));
          const during = res.listenerCount('close');
          await Promise.all(pending);
          sink.end();
          server.close();
          resolve(during);
        } catch (error) {
          reject(error);
        }
      });
      server.listen(0, '127.0.0.1', () => {
        get({ host: '127.0.0.1', port: (server.address() as AddressInfo).port }, (res) => res.resume());
      });
    });
    // the sink's own listener, Node's, and one wait: not one per send (MaxListenersExceededWarning at 11)
    expect(listenersDuring).toBeLessThan(5);
  });
});
