import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackCall {
  method: string;
  token: string | undefined;
  form: Record<string, string>;
  /** The ts the stand-in answered with (a delivered message). */
  ts?: string;
}

export interface DiscordCall {
  path: string;
  authorization: string | undefined;
  body: any;
}

/**
 * Local stand-ins that speak Slack's Web API (form-encoded POSTs to /api/<method>, answers
 * `{ok, ...}` with HTTP 200 even for errors) and Discord's REST API (/api/v10/…), recording calls.
 */
export async function startChatApis() {
  const slack: SlackCall[] = [];
  const discord: DiscordCall[] = [];
  let nextTs = 1700000000;
  /** While down, every call is answered 503, as during a platform outage. */
  const outage = { down: false };
  let nextId = 1100000000000000000n;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(request.url ?? '/', 'http://localhost');
      const json = (status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (outage.down) {
        if (url.pathname.startsWith('/slack/')) slack.push({ method: 'outage', token: undefined, form: Object.fromEntries(new URLSearchParams(raw)) });
        return json(503, { message: 'Service Unavailable' });
      }
      const slackMethod = /^\/slack\/api\/([\w.]+)$/.exec(url.pathname)?.[1];
      if (slackMethod) {
        const token = /^Bearer (.+)$/.exec(String(request.headers.authorization ?? ''))?.[1];
        const form = Object.fromEntries(new URLSearchParams(raw));
        const call: SlackCall = { method: slackMethod, token, form };
        slack.push(call);
        if (token !== 'xoxb-test') return json(200, { ok: false, error: 'invalid_auth' });
        if (slackMethod === 'chat.postMessage') {
          call.ts = `${nextTs++}.000100`;
          return json(200, { ok: true, channel: form.channel, ts: call.ts });
        }
        return json(200, { ok: false, error: 'unknown_method' });
      }
      const channelMessage = /^\/discord\/api\/v10\/channels\/(\d+)\/messages$/.exec(url.pathname);
      if (channelMessage && request.method === 'POST') {
        discord.push({ path: url.pathname, authorization: request.headers.authorization, body: JSON.parse(raw) });
        if (request.headers.authorization !== 'Bot discord-test') return json(401, { message: '401: Unauthorized', code: 0 });
        return json(200, { id: String(nextId++), channel_id: channelMessage[1] });
      }
      json(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    slackApiUrl: `${base}/slack/api/`,
    discordApiUrl: `${base}/discord/api`,
    slack,
    discord,
    outage,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
