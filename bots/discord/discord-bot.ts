import {
  Client,
  Events,
  GatewayIntentBits,
  MessageFlags,
  REST,
  Routes,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
} from 'discord.js';
import type { Logger } from '../../src/logging/logger.js';
import type { RunService } from '../../src/services/run-service.js';
import type { ChatActor } from '../core/access.js';
import { retryWithBackoff } from '../core/backoff.js';
import type { ChatReply } from '../core/replies.js';
import type { ChatRouter } from '../core/router.js';
import { chatTransport, type ChatOutbox, type ChatPoster } from '../core/thread-target.js';
import { commandText, trainCommandDefinition } from './commands.js';
import { startDiscordHttpInteractions } from './discord-http.js';
import { discordMessage, parseCustomId } from './render.js';

export interface DiscordBotConfig {
  token: string;
  /** The REST base without the version, e.g. `https://discord.com/api`. */
  apiUrl: string;
  /** Alerts that belong to no chat-started run go here. */
  channel: string | null;
  /** `gateway` (default, outbound only) or `http`: interactions POSTed to us, signed with Ed25519. */
  mode: 'gateway' | 'http';
  /** HTTP mode: the application's public key (hex), where to listen, and the application id (looked up when absent). */
  publicKey?: string;
  httpHost: string;
  httpPort: number;
  applicationId?: string;
}

/** An answer ready this soon is the interaction's reply; a slower one is deferred, then edited in. */
const REPLY_BUDGET_MS = 2000;

export interface DiscordBot {
  mode: 'gateway' | 'http';
  /** HTTP mode: the interactions endpoint URL. */
  httpUrl: string | null;
  close(): Promise<void>;
}

/** `/train` on Discord through the gateway; logging in is retried with backoff and never throws. */
export async function startDiscordBot(
  config: DiscordBotConfig,
  deps: { router: ChatRouter; runs: RunService; outbox: ChatOutbox; logger: Logger },
): Promise<DiscordBot> {
  const logger = deps.logger.child({ bot: 'discord' });
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: config.apiUrl } });
  let stopped = false;

  client.on(Events.InteractionCreate, (interaction) => {
    handleInteraction(interaction, deps.router).catch((error: Error) => logger.error('discord interaction failed', { error: error.message }));
  });
  client.once(Events.ClientReady, (ready) => {
    ready.application.commands
      .set([trainCommandDefinition().toJSON()])
      .then(() => logger.info('discord /train command registered', { application: ready.application.id }))
      .catch((error: Error) => logger.error('discord /train command not registered', { error: error.message }));
  });
  client.on(Events.ShardDisconnect, (event) => logger.warn('discord gateway disconnected', { code: event.code }));
  client.on(Events.ShardReconnecting, () => logger.warn('discord gateway reconnecting'));
  client.on(Events.ShardResume, () => logger.info('discord gateway reconnected (resumed)'));
  client.on(Events.ShardReady, () => logger.info('discord gateway ready'));
  client.on(Events.Error, (error) => logger.error('discord client error', { error: error.message }));

  // its own REST client: a failed gateway login destroys the client's, token included, until the next try
  const rest = new REST({ api: config.apiUrl, hashSweepInterval: 0, handlerSweepInterval: 0 }).setToken(config.token);
  const poster: ChatPoster = {
    async post(channel, thread, message) {
      const body = { ...discordMessage(message), ...(thread && { message_reference: { message_id: thread, fail_if_not_exists: false } }) };
      const sent = (await rest.post(Routes.channelMessages(channel), { body })) as { id: string };
      return sent.id;
    },
  };
  // run updates and alerts come from the agent's outbox, which keeps them while Discord is away
  const attach = () => deps.outbox.attachChat('discord', chatTransport('discord', poster, deps.runs));
  if (config.mode === 'http') return startHttpMode(config, client, attach, deps.router, logger);
  // posting needs REST only: messages go out while the gateway is still connecting or away
  const detach = attach();
  // back on the gateway: what waited for Discord goes now rather than after its backoff
  for (const back of [Events.ShardResume, Events.ShardReady] as const) client.on(back, () => deps.outbox.retryNow('chat:discord'));
  const started = retryWithBackoff(
    'discord login',
    async () => {
      await client.login(config.token);
      logger.info('discord bot started', { mode: 'gateway', user: client.user?.tag });
    },
    logger,
    () => stopped,
  );

  return {
    mode: 'gateway',
    httpUrl: null,
    async close() {
      stopped = true;
      detach();
      await client.destroy();
      void started;
    },
  };
}

/** No gateway: Discord POSTs interactions to us; REST alone registers `/train` and posts run updates. */
async function startHttpMode(config: DiscordBotConfig, client: Client, attach: () => () => void, router: ChatRouter, logger: Logger): Promise<DiscordBot> {
  let stopped = false;
  client.rest.setToken(config.token);
  const detach = attach();
  const endpoint = await startDiscordHttpInteractions(
    { publicKey: config.publicKey!, host: config.httpHost, port: config.httpPort },
    { router, rest: client.rest, logger },
  );
  const registered = retryWithBackoff(
    'discord /train registration',
    async () => {
      const applicationId = config.applicationId ?? ((await client.rest.get(Routes.currentApplication())) as { id: string }).id;
      await client.rest.put(Routes.applicationCommands(applicationId), { body: [trainCommandDefinition().toJSON()] });
      logger.info('discord bot started', { mode: 'http', url: endpoint.url, application: applicationId });
    },
    logger,
    () => stopped,
  );
  return {
    mode: 'http',
    httpUrl: endpoint.url,
    async close() {
      stopped = true;
      detach();
      await endpoint.close();
      await client.destroy();
      void registered;
    },
  };
}

async function handleInteraction(interaction: Interaction, router: ChatRouter): Promise<void> {
  if (interaction.isAutocomplete()) return autocomplete(interaction, router);
  if (interaction.isButton()) return button(interaction, router);
  if (!interaction.isChatInputCommand() || interaction.commandName !== 'train') return;
  const command = interaction as ChatInputCommandInteraction;
  const subcommand = command.options.getSubcommand();
  const options = command.options.data[0]?.options ?? [];
  const answering = router.handleText(actorOf(interaction), commandText(subcommand, options));
  await answerInTime(command, answering);
}

async function button(interaction: ButtonInteraction, router: ChatRouter): Promise<void> {
  const parsed = parseCustomId(interaction.customId);
  if (!parsed) return;
  await answerInTime(interaction, router.handleButton(actorOf(interaction), parsed.action, parsed.value));
}

/** Replies at once when the answer is quick; otherwise defers (Discord's 3 s limit) and edits within the 15 minutes. */
async function answerInTime(interaction: ChatInputCommandInteraction | ButtonInteraction, answering: Promise<ChatReply>): Promise<void> {
  const quick = await Promise.race([answering, delay(REPLY_BUDGET_MS).then(() => null)]);
  if (quick) {
    await interaction.reply({ ...payload(quick), ...(quick.ephemeral && { flags: MessageFlags.Ephemeral }) } as never);
    return;
  }
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  await interaction.editReply(payload(await answering) as never);
}

async function autocomplete(interaction: AutocompleteInteraction, router: ChatRouter): Promise<void> {
  const focused = interaction.options.getFocused(true);
  const choices =
    focused.name === 'recipe'
      ? router.suggestRecipes(String(focused.value)).map((name) => ({ name, value: name }))
      : focused.name === 'run'
        ? router.suggestRuns(String(focused.value)).map((run) => ({ name: `${run.id} ${run.state} ${run.recipe}`.slice(0, 100), value: run.id }))
        : [];
  await interaction.respond(choices.slice(0, 25));
}

function payload(message: ChatReply) {
  const { embeds, components, allowed_mentions } = discordMessage(message);
  return { embeds, components, allowedMentions: allowed_mentions };
}

function actorOf(interaction: Interaction): ChatActor {
  const member = interaction.member as { roles?: string[] | { cache: Map<string, unknown> } } | null;
  const roles = !member?.roles ? [] : Array.isArray(member.roles) ? member.roles : [...member.roles.cache.keys()];
  return { platform: 'discord', userId: interaction.user.id, userName: interaction.user.username, channelId: interaction.channelId ?? '', roles };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
