import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';

export interface SlackApiCall {
  method: string;
  token: string | undefined;
  form: Record<string, string>;
  ts?: string;
}

export const SLACK_BOT_TOKEN = 'xoxb-chat-test';
export const SLACK_APP_TOKEN = 'xapp-chat-test';

/**
 * A local Slack: the Web API (form POSTs to /api/<method>), Socket Mode (apps.connections.open → a
 * WebSocket that says hello and carries envelopes), and response_url endpoints, recording everything.
 * `down()` drops the socket and refuses new ones until `up()`.
 */
export async function startSlackPlatform() {
  const calls: SlackApiCall[] = [];
  const responses: { path: string; body: any }[] = [];
  const acks = new Map<string, (payload: unknown) => void>();
  const sockets = new Set<WebSocket>();
  let available = true;
  let webApiAvailable = true;
  let connections = 0;
  let refusedOpens = 0;
  let nextTs = 1800000000;

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(request.url ?? '/', 'http://localhost');
      const json = (body: unknown) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (url.pathname.startsWith('/respond/')) {
        responses.push({ path: url.pathname, body: JSON.parse(raw) });
        return json({ ok: true });
      }
      const method = /^\/api\/([\w.]+)$/.exec(url.pathname)?.[1];
      if (!method) return response.writeHead(404).end();
      if (!webApiAvailable) return void request.socket.destroy(); // all of Slack unreachable: nothing recorded
      const token = /^Bearer (.+)$/.exec(String(request.headers.authorization ?? ''))?.[1];
      const form = request.headers['content-type']?.includes('json') ? JSON.parse(raw || '{}') : Object.fromEntries(new URLSearchParams(raw));
      const call: SlackApiCall = { method, token, form };
      calls.push(call);
      if (method === 'apps.connections.open' && !available) {
        refusedOpens++;
        return void request.socket.destroy(); // Slack unreachable
      }
      if (method === 'apps.connections.open') {
        if (token !== SLACK_APP_TOKEN) return json({ ok: false, error: 'invalid_auth' });
        return json({ ok: true, url: `ws://127.0.0.1:${port}/socket` });
      }
      if (token !== SLACK_BOT_TOKEN) return json({ ok: false, error: 'invalid_auth' });
      if (method === 'auth.test') return json({ ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'TTEAM', team: 'team', url: 'https://team.slack.com/' });
      if (method === 'usergroups.list') return json({ ok: true, usergroups: [{ id: 'S0MLTEAM', handle: 'ml', users: ['UCAROL'] }] });
      if (method === 'chat.postMessage') {
        call.ts = `${nextTs++}.000200`;
        return json({ ok: true, channel: form.channel, ts: call.ts, message: { ts: call.ts } });
      }
      json({ ok: false, error: 'unknown_method' });
    });
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    if (!available) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      sockets.add(ws);
      connections++;
      const pinging = setInterval(() => ws.ping(), 5000); // as Slack does: the client drops a server that stops pinging
      ws.on('close', () => {
        clearInterval(pinging);
        sockets.delete(ws);
      });
      ws.on('message', (data) => {
        const message = JSON.parse(String(data));
        if (message.envelope_id) acks.get(message.envelope_id)?.(message.payload ?? null);
      });
      ws.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'AAPP' }, debug_info: { host: 'stand-in' } }));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;

  /** Sends an envelope to the connected app and waits for its ack (the payload the app acked with). */
  const send = (type: string, payload: Record<string, unknown>): Promise<unknown> => {
    const socket = [...sockets].filter((candidate) => candidate.readyState === candidate.OPEN).at(-1);
    if (!socket) throw new Error('no Socket Mode connection');
    const envelope_id = randomUUID();
    const acked = new Promise<unknown>((resolve) => acks.set(envelope_id, resolve));
    socket.send(JSON.stringify({ envelope_id, type, accepts_response_payload: type === 'slash_commands', payload }));
    return acked;
  };

  const closeSockets = () =>
    Promise.all(
      [...sockets].map(
        (socket) =>
          new Promise<void>((resolve) => {
            socket.once('close', () => resolve());
            socket.close(1001, 'going away'); // a full close handshake: the client leaves no timer behind
            setTimeout(() => socket.terminate(), 2000).unref();
          }),
      ),
    );

  return {
    apiUrl: `${base}/api/`,
    calls,
    responses,
    connections: () => connections,
    /** apps.connections.open calls that found Slack down. */
    refusedOpens: () => refusedOpens,
    connected: () => sockets.size > 0,
    posts: () => calls.filter((call) => call.method === 'chat.postMessage'),
    slashCommand(text: string, user: { id: string; name: string }, channel = 'CTRAIN') {
      const responseUrl = `${base}/respond/${randomUUID()}`;
      return {
        responseUrl,
        acked: send('slash_commands', {
          token: 'x',
          team_id: 'TTEAM',
          team_domain: 'team',
          channel_id: channel,
          channel_name: 'training',
          user_id: user.id,
          user_name: user.name,
          command: '/train',
          text,
          api_app_id: 'AAPP',
          response_url: responseUrl,
          trigger_id: 't',
        }),
      };
    },
    pressButton(button: { action_id: string; value: string }, user: { id: string; name: string }, channel = 'CTRAIN', messageTs = '1800000000.000200') {
      const responseUrl = `${base}/respond/${randomUUID()}`;
      const acked = send('interactive', {
        type: 'block_actions',
        user: { id: user.id, username: user.name, name: user.name, team_id: 'TTEAM' },
        api_app_id: 'AAPP',
        token: 'x',
        container: { type: 'message', message_ts: messageTs, channel_id: channel, is_ephemeral: false },
        trigger_id: 't',
        team: { id: 'TTEAM', domain: 'team' },
        channel: { id: channel, name: 'training' },
        message: { ts: messageTs, text: '' },
        response_url: responseUrl,
        actions: [{ type: 'button', block_id: 'b', action_id: button.action_id, text: { type: 'plain_text', text: 'x' }, value: button.value, action_ts: '1' }],
      });
      return { responseUrl, acked };
    },
    /** Slack's routine "please reconnect" frame. */
    refresh() {
      for (const socket of sockets) socket.send(JSON.stringify({ type: 'disconnect', reason: 'refresh_requested', debug_info: { host: 'stand-in' } }));
    },
    /** Slack's sockets go away; with `webApi`, every Web API call fails too (a whole outage). */
    async down(options: { webApi?: boolean } = {}) {
      available = false;
      if (options.webApi) webApiAvailable = false;
      await closeSockets();
    },
    up() {
      available = true;
      webApiAvailable = true;
    },
    async close() {
      available = false;
      await closeSockets();
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
