import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EventStream, SseParser, type EventStreamState, type SseMessage } from '../../dist/src/client/event-stream.js';
import { waitFor } from '../helpers/agent-harness.js';

// The SSE client the dashboard uses, against a small local server that misbehaves on purpose.
describe('SSE client', () => {
  let server: Server | null = null;
  let stream: EventStream | null = null;
  afterEach(async () => {
    stream?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(null)));
    server?.closeAllConnections();
    server = null;
  });

  async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
    server = createServer(handler);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
  }

  function open(url: string, options: Partial<ConstructorParameters<typeof EventStream>[0]> = {}) {
    const messages: SseMessage[] = [];
    const states: EventStreamState[] = [];
    stream = new EventStream({
      url,
      path: '/events',
      apiKey: 'k1',
      retryMs: 20,
      onMessage: (message) => messages.push(message),
      onState: (state) => states.push(state),
      ...options,
    }).start();
    return { messages, states };
  }

  it('parses the wire format: CRLF, multi-line data, comments, fields split across chunks', () => {
    const lines: [string | null, string][] = [];
    const parser = new SseParser((field, value) => lines.push([field, value]));
    for (const chunk of ['retry: 2000\r\n\r', '\n: keep-alive\n\nid: m1.l2\nev', 'ent: status\ndata: {"a":', '\ndata: 1}\n\n', 'data:x\r', '\n\n'])
      parser.push(chunk);
    expect(lines).toEqual([
      ['retry', '2000'],
      [null, ''],
      [null, ''],
      ['id', 'm1.l2'],
      ['event', 'status'],
      ['data', '{"a":'],
      ['data', '1}'],
      [null, ''],
      ['data', 'x'],
      [null, ''],
    ]);
  });

  it('sends the key, parses events, and resumes with Last-Event-ID after the server ends the stream', async () => {
    const requests: { auth?: string; last?: string }[] = [];
    const url = await serve((req, res) => {
      requests.push({ auth: req.headers.authorization, last: req.headers['last-event-id'] as string | undefined });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const n = requests.length;
      res.end(`retry: 10\n\nid: e${n}\nevent: status\ndata: {"n":${n}}\n\n: heartbeat\n\n`);
    });
    const { messages } = open(url);
    await waitFor(() => messages.length >= 3, 'three events over three connections', 5000);
    expect(messages.slice(0, 3)).toEqual([1, 2, 3].map((n) => ({ event: 'status', id: `e${n}`, data: { n } })));
    expect(requests[0]).toEqual({ auth: 'Bearer k1', last: undefined });
    expect(requests[1]).toEqual({ auth: 'Bearer k1', last: 'e1' });
  });

  it('stops after the server ends the stream when told not to reconnect', async () => {
    let connections = 0;
    const url = await serve((_req, res) => {
      connections++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('event: status\ndata: {"state":"completed"}\n\n');
    });
    const { states } = open(url, { reconnectAfterEnd: () => false });
    await waitFor(() => states.some((state) => state.state === 'closed'), 'the stream to close', 5000);
    expect(connections).toBe(1);
  });

  it('reports the agent as down while it is away, and reconnects when it is back', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: status\ndata: {"up":1}\n\n');
    });
    const { messages, states } = open(url);
    await waitFor(() => messages.length === 1, 'the first event', 5000);
    const port = (server!.address() as AddressInfo).port;
    server!.closeAllConnections();
    await new Promise((resolve) => server!.close(resolve));
    await waitFor(() => states.some((state) => state.state === 'down' && state.status === 0 && state.retryInMs !== null), 'a down state', 5000);
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: status\ndata: {"up":2}\n\n');
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    await waitFor(() => messages.length === 2, 'an event after the reconnect', 10_000);
    expect(messages[1]!.data).toEqual({ up: 2 });
    expect(states.at(-1)).toEqual({ state: 'open' });
  });

  it('drops a stream that goes silent past the heartbeat, and says a refused key is fatal', async () => {
    let connections = 0;
    const url = await serve((req, res) => {
      connections++;
      if (req.headers.authorization !== 'Bearer k1') {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end('{"detail":"Invalid API key"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': hello\n\n'); // then nothing at all
    });
    const silent = open(url, { idleTimeoutMs: 150 });
    await waitFor(
      () => silent.states.some((state) => state.state === 'down' && state.detail === 'the stream went silent'),
      'the silent stream to be dropped',
      5000,
    );
    await waitFor(() => connections >= 2, 'a new connection', 5000);
    stream!.close();
    const refused = open(url, { apiKey: 'wrong' });
    await waitFor(() => refused.states.find((state) => state.state === 'down'), 'a refusal', 5000);
    expect(refused.states.find((state) => state.state === 'down')).toMatchObject({ status: 401, detail: 'Invalid API key', fatal: true });
  });
});
