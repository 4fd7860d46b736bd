import { createHmac } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel, SocketModeReceiver, webApi, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger } from '../../src/logging/logger.js';
import { createHardenedServer, guardRequests } from '../../src/services/listener-guard.js';
import type { RunService } from '../../src/services/run-service.js';
import type { ChatActor } from '../core/access.js';
import { retryWithBackoff } from '../core/backoff.js';
import type { ChatReply } from '../core/replies.js';
import type { ChatRouter } from '../core/router.js';
import { chatTransport, type ChatOutbox, type ChatPoster } from '../core/thread-target.js';
import { SLACK_ACTION_PATTERN, buttonActionOf, slackMessage } from './render.js';

export interface SlackBotConfig {
  botToken: string;
  mode: 'socket' | 'http';
  appToken?: string;
  signingSecret?: string;
  /** The Web API base, e.g. `https://slack.com/api/`. */
  apiUrl: string;
  /** HTTP mode: where Slack's requests arrive (`POST /slack/events`). */
  httpHost: string;
  httpPort: number;
  /** Alerts that belong to no chat-started run go here. */
  channel: string | null;
  /** Socket Mode: how long to wait for a pong, also the reconnect delay step. */
  clientPingTimeoutMs: number;
  /** Retries of each Web API call (0 in tests; Slack's stand-in never rate-limits). */
  apiRetries: number;
  /** Look up the user groups of whoever writes (the allow-list names groups). */
  lookupGroups: boolean;
}

/** How long the user → groups map from usergroups.list is trusted. */
const GROUPS_TTL_MS = 60_000;

/** Seconds a request's timestamp may be off from now, either way (Bolt refuses only old ones). */
const MAX_CLOCK_SKEW_S = 300;
/** A command's answer goes in the ack when it is ready this soon; otherwise ack first, answer after. */
const ACK_BUDGET_MS = 2000;

export interface SlackBot {
  mode: 'socket' | 'http';
  /** HTTP mode: the bound address of the events endpoint. */
  httpUrl: string | null;
  close(): Promise<void>;
}

/**
 * `/train` on Slack through Bolt: Socket Mode (outbound only) or HTTP with signed requests. Starting
 * never throws: an unreachable Slack is retried with backoff in the background.
 */
export async function startSlackBot(
  config: SlackBotConfig,
  deps: { router: ChatRouter; runs: RunService; outbox: ChatOutbox; logger: Logger },
): Promise<SlackBot> {
  const logger = deps.logger.child({ bot: 'slack' });
  const clientOptions = () => ({ slackApiUrl: config.apiUrl, retryConfig: { retries: config.apiRetries } });
  let stopped = false;
  let app: App | null = null;
  let detach = () => {};
  let server: Server | null = null;
  let httpReceiver: HTTPReceiver | null = null;
  const bot: SlackBot = { mode: config.mode, httpUrl: null, close: async () => {} };

  if (config.mode === 'http') {
    server = createHardenedServer('slack http', logger);
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(config.httpPort, config.httpHost, () => resolve());
    });
    server.on(
      'request',
      guardRequests('slack http', logger, (request, response) => {
        if (!freshTimestamp(request.headers['x-slack-request-timestamp'])) {
          response.writeHead(401, { 'content-type': 'text/plain' }).end('stale or future request timestamp');
          return;
        }
        if (!httpReceiver) {
          response.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' }).end('the trainer Slack bot is still starting');
          return;
        }
        httpReceiver.requestListener(request, response);
      }),
    );
    const address = server.address() as AddressInfo;
    bot.httpUrl = `http://${config.httpHost === '0.0.0.0' ? '127.0.0.1' : config.httpHost}:${address.port}/slack/events`;
  }

  const boot = async () => {
    // auth.test first, by us: Bolt would cache a failed verification for the life of the app
    const auth = await new webApi.WebClient(config.botToken, { ...clientOptions(), logger: slackLogger(logger) }).auth.test();
    if (stopped) return;
    const receiver =
      config.mode === 'socket'
        ? // reconnects are ours: the client's own leave an unhandled rejection when Slack is unreachable, which would end the agent
          new SocketModeReceiver({
            appToken: config.appToken!,
            clientPingTimeout: config.clientPingTimeoutMs,
            autoReconnectEnabled: false,
            logger: slackLogger(logger),
            installerOptions: { clientOptions: clientOptions() },
          })
        : new HTTPReceiver({
            signingSecret: config.signingSecret!,
            endpoints: '/slack/events',
            logger: slackLogger(logger),
            unhandledRequestTimeoutMillis: 2900,
          });
    app = new App({
      token: config.botToken,
      botId: auth.bot_id as string,
      botUserId: auth.user_id as string,
      tokenVerificationEnabled: false,
      receiver,
      clientOptions: clientOptions(),
      logger: slackLogger(logger),
    });
    registerHandlers(app, deps.router, logger, config.lookupGroups ? groupLookup(app, logger) : async () => []);
    if (receiver instanceof SocketModeReceiver) {
      await app.start();
      reconnectWhenDropped(
        receiver,
        logger,
        () => stopped,
        config.clientPingTimeoutMs,
        () => deps.outbox.retryNow('chat:slack'),
      );
    } else {
      httpReceiver = receiver;
    }
    const poster: ChatPoster = {
      async post(channel, thread, message) {
        const result = await app!.client.chat.postMessage({ channel, ...(thread && { thread_ts: thread }), ...slackMessage(message) } as never);
        return String(result.ts);
      },
    };
    // run updates and alerts come from the agent's outbox, which keeps them while Slack is away
    if (!stopped) detach = deps.outbox.attachChat('slack', chatTransport('slack', poster, deps.runs));
    logger.info('slack bot started', { mode: config.mode, team: auth.team_id, ...(bot.httpUrl && { url: bot.httpUrl }) });
  };
  const started = retryWithBackoff('slack bot start', boot, logger, () => stopped);

  bot.close = async () => {
    stopped = true;
    detach();
    await (app as App | null)?.stop().catch(() => {});
    if (server) {
      const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    }
    void started;
  };
  return bot;
}

/** user id → the ids of the user groups they belong to, refreshed at most once a minute. */
function groupLookup(app: App, logger: Logger): (userId: string) => Promise<string[]> {
  let fetchedAt = 0;
  let byUser = new Map<string, string[]>();
  return async (userId) => {
    if (Date.now() - fetchedAt > GROUPS_TTL_MS) {
      try {
        const result = (await app.client.usergroups.list({ include_users: true })) as { usergroups?: { id: string; users?: string[] }[] };
        byUser = new Map();
        for (const group of result.usergroups ?? []) for (const user of group.users ?? []) byUser.set(user, [...(byUser.get(user) ?? []), group.id]);
        fetchedAt = Date.now();
      } catch (error) {
        logger.warn('slack user groups not read; group allow-lists do not apply now', { error: (error as Error).message });
      }
    }
    return byUser.get(userId) ?? [];
  };
}

function registerHandlers(app: App, router: ChatRouter, logger: Logger, groupsOf: (userId: string) => Promise<string[]>): void {
  app.command('/train', async ({ command, ack, respond }) => {
    const actor: ChatActor = {
      platform: 'slack',
      userId: command.user_id,
      userName: command.user_name,
      channelId: command.channel_id,
      roles: await groupsOf(command.user_id),
    };
    const answering = router.handleText(actor, command.text ?? '', { thread: (command as { thread_ts?: string }).thread_ts ?? null });
    const quick = await Promise.race([answering, delay(ACK_BUDGET_MS).then(() => null)]);
    if (quick) return void (await ack(responsePayload(quick) as never));
    await ack({ response_type: 'ephemeral', text: 'Working on it…' } as never);
    await respond(responsePayload(await answering) as never);
  });

  app.action(SLACK_ACTION_PATTERN, async ({ ack, body, action, respond }) => {
    await ack();
    const button = action as { action_id: string; value?: string };
    const kind = buttonActionOf(button.action_id);
    const user = (body as { user: { id: string; username?: string; name?: string } }).user;
    const channelId = (body as { channel?: { id: string } }).channel?.id ?? '';
    if (!kind || !button.value) return;
    const actor: ChatActor = { platform: 'slack', userId: user.id, userName: user.username ?? user.name ?? user.id, channelId, roles: await groupsOf(user.id) };
    const answer = await router.handleButton(actor, kind, button.value);
    await respond({ ...responsePayload(answer), replace_original: false } as never);
  });

  app.error(async (error) => {
    logger.error('slack handler failed', { error: error.message });
  });
}

function responsePayload(message: ChatReply) {
  return { response_type: message.ephemeral ? 'ephemeral' : 'in_channel', ...slackMessage(message) };
}

/** Reconnects a dropped socket with backoff (first retry after `firstDelayMs`), one attempt loop at a time. */
function reconnectWhenDropped(receiver: SocketModeReceiver, logger: Logger, stopped: () => boolean, firstDelayMs: number, reconnected: () => void): void {
  let reconnecting = false;
  receiver.client.on('disconnected', () => {
    if (stopped() || reconnecting) return;
    reconnecting = true;
    logger.warn('slack socket disconnected; reconnecting');
    void retryWithBackoff('slack socket reconnect', async () => void (await receiver.client.start()), logger, stopped, { firstDelayMs })
      .then((connected) => {
        if (!connected) return;
        logger.info('slack socket reconnected');
        reconnected();
      })
      .finally(() => {
        reconnecting = false;
      });
  });
}

/** Bolt checks the signature and refuses old timestamps; this also refuses ones from the future. */
function freshTimestamp(header: string | string[] | undefined): boolean {
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(seconds) && Math.abs(Date.now() / 1000 - seconds) <= MAX_CLOCK_SKEW_S;
}

/** For tests and tools: the signature Slack puts on a request. */
export function slackSignature(signingSecret: string, timestamp: number, body: string): string {
  return 'v0=' + createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex');
}

function slackLogger(logger: Logger): SlackLogger {
  let level = LogLevel.INFO;
  const line = (parts: unknown[]) =>
    parts.map((part) => (typeof part === 'string' ? part : part instanceof Error ? part.message : JSON.stringify(part))).join(' ');
  return {
    debug: (...parts) => logger.debug(line(parts)),
    info: (...parts) => logger.debug(line(parts)),
    warn: (...parts) => logger.warn(line(parts)),
    error: (...parts) => logger.error(line(parts)),
    setLevel: (next) => void (level = next),
    getLevel: () => level,
    setName: () => {},
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
