import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';

export const DISCORD_TOKEN = 'discord-chat-test';
export const APP_ID = '900000000000000001';
const BOT_ID = '900000000000000002';
const GUILD_ID = '900000000000000003';

export interface DiscordRestCall {
  method: string;
  path: string;
  authorization: string | undefined;
  body: any;
  /** The id of the message the stand-in answered with, if any. */
  responseId?: string;
}

export type OptionValue = string | number;

/**
 * A local Discord: REST under /api/v10 (gateway/bot, command registration, interaction callbacks,
 * webhook edits, channel messages) and a Gateway WebSocket (HELLO, heartbeat ACKs, IDENTIFY → READY,
 * RESUME → RESUMED, INTERACTION_CREATE), recording every REST call. `down()` drops the gateway and
 * refuses new connections until `up()`.
 */
export async function startDiscordPlatform() {
  const calls: DiscordRestCall[] = [];
  const sockets = new Set<WebSocket>();
  let available = true;
  let identified = 0;
  let resumed = 0;
  let refused = 0;
  let sequence = 0;
  let nextId = 1200000000000000000n;
  const snowflake = () => String(nextId++);

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(request.url ?? '/', 'http://localhost');
      const path = url.pathname.replace(/^\/api\/v10/, '');
      const json = (status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      let body: any = null;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        body = raw;
      }
      const call: DiscordRestCall = { method: request.method!, path, authorization: request.headers.authorization, body };
      calls.push(call);
      const authorized = request.headers.authorization === `Bot ${DISCORD_TOKEN}`;
      if (path === '/gateway/bot' && !available) {
        refused++;
        return void request.socket.destroy(); // Discord unreachable
      }
      if (path === '/gateway/bot') {
        if (!authorized) return json(401, { message: '401: Unauthorized', code: 0 });
        return json(200, {
          url: `ws://127.0.0.1:${port}/gateway`,
          shards: 1,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 },
        });
      }
      if (request.method === 'PUT' && path === `/applications/${APP_ID}/commands`)
        return json(
          200,
          (body as any[]).map((command) => ({ ...command, id: snowflake(), application_id: APP_ID, version: '1' })),
        );
      if (/^\/interactions\/\d+\/[\w-]+\/callback$/.test(path)) return response.writeHead(204).end();
      if (/^\/webhooks\/\d+\/[\w-]+(\/messages\/%40original)?$/.test(path)) return json(200, message(snowflake(), '0', body));
      const channel = /^\/channels\/(\d+)\/messages$/.exec(path);
      if (channel && request.method === 'POST') {
        if (!authorized) return json(401, { message: '401: Unauthorized', code: 0 });
        call.responseId = snowflake();
        return json(200, message(call.responseId, channel[1]!, body));
      }
      json(404, { message: '404: Not Found', code: 0 });
    });
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    if (!available) {
      refused++;
      socket.end('HTTP/1.1 503 Service Unavailable\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data) => {
        const payload = JSON.parse(String(data));
        if (payload.op === 1) ws.send(JSON.stringify({ op: 11 }));
        if (payload.op === 2) {
          identified++;
          dispatch(ws, 'READY', {
            v: 10,
            user: { id: BOT_ID, username: 'trainer', discriminator: '0', bot: true, avatar: null, global_name: null },
            application: { id: APP_ID, flags: 0 },
            session_id: randomUUID(),
            resume_gateway_url: `ws://127.0.0.1:${port}/gateway`,
            shard: [0, 1],
            guilds: [],
          });
        }
        if (payload.op === 6) {
          resumed++;
          dispatch(ws, 'RESUMED', {});
        }
      });
      ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 30_000 } }));
    });
  });

  const dispatch = (ws: WebSocket, t: string, d: unknown) => ws.send(JSON.stringify({ op: 0, t, s: ++sequence, d }));

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const interaction = (
    type: number,
    data: unknown,
    user: { id: string; name: string; roles?: string[] },
    channel: string,
    extra: Record<string, unknown> = {},
  ) => {
    const socket = [...sockets][0];
    if (!socket) throw new Error('no gateway connection');
    const id = snowflake();
    const token = `itoken-${randomUUID()}`;
    dispatch(socket, 'INTERACTION_CREATE', {
      id,
      application_id: APP_ID,
      type,
      token,
      version: 1,
      locale: 'en-US',
      guild_locale: 'en-US',
      app_permissions: '0',
      guild_id: GUILD_ID,
      channel_id: channel,
      channel: { id: channel, type: 0, guild_id: GUILD_ID, name: 'training' },
      member: {
        user: { id: user.id, username: user.name, discriminator: '0', global_name: user.name, avatar: null },
        roles: user.roles ?? [],
        permissions: '0',
        joined_at: new Date().toISOString(),
        deaf: false,
        mute: false,
        flags: 0,
      },
      data,
      entitlements: [],
      authorizing_integration_owners: {},
      context: 0,
      ...extra,
    });
    return { id, token, callbackPath: `/interactions/${id}/${token}/callback`, editPath: `/webhooks/${APP_ID}/${token}/messages/%40original` };
  };

  const closeSockets = () =>
    Promise.all(
      [...sockets].map(
        (socket) =>
          new Promise<void>((resolve) => {
            socket.once('close', () => resolve());
            socket.close(1001, 'going away');
            setTimeout(() => socket.terminate(), 2000).unref();
          }),
      ),
    );

  return {
    apiUrl: `http://127.0.0.1:${port}/api`,
    calls,
    identified: () => identified,
    resumed: () => resumed,
    /** Connections and gateway look-ups that found Discord down. */
    refused: () => refused,
    connected: () => sockets.size > 0,
    channelMessages: (channel?: string) =>
      calls.filter(
        (call) => call.method === 'POST' && /^\/channels\/\d+\/messages$/.test(call.path) && (!channel || call.path === `/channels/${channel}/messages`),
      ),
    /** `/train <subcommand> options…` typed by `user` in `channel`. */
    slashCommand(
      subcommand: string,
      options: Record<string, OptionValue>,
      user: { id: string; name: string; roles?: string[] },
      channel = '800000000000000001',
    ) {
      const typed = Object.entries(options).map(([name, value]) => ({ name, type: typeof value === 'number' ? 4 : 3, value }));
      return interaction(
        2,
        { id: '910000000000000000', name: 'train', type: 1, guild_id: GUILD_ID, options: [{ type: 1, name: subcommand, options: typed }] },
        user,
        channel,
      );
    },
    autocomplete(subcommand: string, option: string, value: string, user: { id: string; name: string }, channel = '800000000000000001') {
      return interaction(
        4,
        {
          id: '910000000000000000',
          name: 'train',
          type: 1,
          guild_id: GUILD_ID,
          options: [{ type: 1, name: subcommand, options: [{ name: option, type: 3, value, focused: true }] }],
        },
        user,
        channel,
      );
    },
    pressButton(customId: string, user: { id: string; name: string; roles?: string[] }, channel = '800000000000000001') {
      return interaction(3, { custom_id: customId, component_type: 2 }, user, channel, { message: message(snowflake(), channel, { content: '' }) });
    },
    async down() {
      available = false;
      await closeSockets();
    },
    up() {
      available = true;
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

function message(id: string, channelId: string, body: any) {
  return {
    id,
    channel_id: channelId,
    author: { id: BOT_ID, username: 'trainer', discriminator: '0', bot: true, avatar: null, global_name: null },
    content: body?.content ?? '',
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: body?.embeds ?? [],
    components: body?.components ?? [],
    pinned: false,
    type: 0,
    flags: body?.flags ?? 0,
  };
}
