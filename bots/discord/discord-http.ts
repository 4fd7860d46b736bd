import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Routes, type REST } from 'discord.js';
import type { Logger } from '../../src/logging/logger.js';
import { createHardenedServer, guardRequests } from '../../src/services/listener-guard.js';
import type { ChatActor } from '../core/access.js';
import type { ChatReply } from '../core/replies.js';
import type { ChatRouter } from '../core/router.js';
import { commandText } from './commands.js';
import { EPHEMERAL_FLAG, discordMessage, parseCustomId } from './render.js';

/** Seconds a request's timestamp may be off from now, either way: the common verifiers check none. */
const MAX_CLOCK_SKEW_S = 300;
const REPLY_BUDGET_MS = 2000;
const BODY_LIMIT = 256 * 1024;
/** DER header of an Ed25519 SubjectPublicKeyInfo; Discord gives the raw 32-byte key in hex. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

const InteractionType = { Ping: 1, ApplicationCommand: 2, MessageComponent: 3, Autocomplete: 4 } as const;
const CallbackType = { Pong: 1, Message: 4, Deferred: 5, Autocomplete: 8 } as const;

interface RawOption {
  name: string;
  type: number;
  value?: string | number | boolean;
  focused?: boolean;
  options?: RawOption[];
}

interface RawInteraction {
  type: number;
  token: string;
  application_id: string;
  channel_id?: string;
  member?: { user: { id: string; username: string }; roles?: string[] };
  user?: { id: string; username: string };
  data?: { name?: string; options?: RawOption[]; custom_id?: string };
}

export interface DiscordHttpConfig {
  publicKey: string;
  host: string;
  port: number;
}

/**
 * Discord's optional HTTP interactions: requests signed with Ed25519 over `timestamp + body`, refused
 * when the signature is wrong or the timestamp is more than five minutes off. Slow answers are deferred
 * and edited in through the interaction webhook.
 */
export async function startDiscordHttpInteractions(
  config: DiscordHttpConfig,
  deps: { router: ChatRouter; rest: REST; logger: Logger },
): Promise<{ url: string; close(): Promise<void> }> {
  const key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(config.publicKey, 'hex')]), format: 'der', type: 'spki' });
  const server: Server = createHardenedServer(
    'discord http',
    deps.logger,
    guardRequests('discord http', deps.logger, (request, response) => handle(request, response, key, deps)),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}/discord/interactions`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  key: KeyObject,
  deps: { router: ChatRouter; rest: REST; logger: Logger },
): Promise<void> {
  if (request.method !== 'POST' || request.url !== '/discord/interactions') return void response.writeHead(404).end();
  const body = await readBody(request);
  if (body === null) return void response.writeHead(413).end();
  const signature = String(request.headers['x-signature-ed25519'] ?? '');
  const timestamp = String(request.headers['x-signature-timestamp'] ?? '');
  if (!signatureValid(key, timestamp, body, signature)) return void response.writeHead(401, { 'content-type': 'text/plain' }).end('invalid request signature');
  let interaction: RawInteraction;
  try {
    interaction = JSON.parse(body) as RawInteraction;
  } catch {
    return void response.writeHead(400).end();
  }
  const json = (payload: unknown): void => void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
  const subcommand = interaction.data?.options?.[0];
  if (interaction.type === InteractionType.Ping) return json({ type: CallbackType.Pong });
  if (interaction.type === InteractionType.Autocomplete) {
    const focused = subcommand?.options?.find((option) => option.focused);
    const value = String(focused?.value ?? '');
    const choices =
      focused?.name === 'recipe'
        ? deps.router.suggestRecipes(value).map((name) => ({ name, value: name }))
        : focused?.name === 'run'
          ? deps.router.suggestRuns(value).map((run) => ({ name: `${run.id} ${run.state} ${run.recipe}`.slice(0, 100), value: run.id }))
          : [];
    return json({ type: CallbackType.Autocomplete, data: { choices: choices.slice(0, 25) } });
  }
  let answering: Promise<ChatReply>;
  if (interaction.type === InteractionType.ApplicationCommand && interaction.data?.name === 'train' && subcommand) {
    answering = deps.router.handleText(actorOf(interaction), commandText(subcommand.name, subcommand.options ?? []));
  } else if (interaction.type === InteractionType.MessageComponent && interaction.data?.custom_id && parseCustomId(interaction.data.custom_id)) {
    const { action, value } = parseCustomId(interaction.data.custom_id)!;
    answering = deps.router.handleButton(actorOf(interaction), action, value);
  } else {
    return void response.writeHead(400).end();
  }
  const quick = await Promise.race([answering, delay(REPLY_BUDGET_MS).then(() => null)]);
  if (quick) return json({ type: CallbackType.Message, data: messageData(quick) });
  json({ type: CallbackType.Deferred, data: { flags: EPHEMERAL_FLAG } });
  const answer = await answering;
  await deps.rest.patch(Routes.webhookMessage(interaction.application_id, interaction.token, '@original'), { body: messageData(answer), auth: false });
}

function messageData(message: ChatReply) {
  return { ...discordMessage(message), ...(message.ephemeral && { flags: EPHEMERAL_FLAG }) };
}

function signatureValid(key: KeyObject, timestamp: string, body: string, signature: string): boolean {
  const seconds = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - seconds) > MAX_CLOCK_SKEW_S) return false;
  if (!/^[0-9a-f]{128}$/i.test(signature)) return false;
  return verify(null, Buffer.from(timestamp + body), key, Buffer.from(signature, 'hex'));
}

function actorOf(interaction: RawInteraction): ChatActor {
  const user = interaction.member?.user ?? interaction.user ?? { id: '', username: 'unknown' };
  return { platform: 'discord', userId: user.id, userName: user.username, channelId: interaction.channel_id ?? '', roles: interaction.member?.roles ?? [] };
}

function readBody(request: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) {
        resolve(null);
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
