import type { Logger } from '../src/logging/logger.js';
import type { AccessPolicy } from './core/access.js';
import { ChatRouter, type ChatServices } from './core/router.js';
import type { ChatThreadRoute } from '../src/services/notification-dispatcher.js';
import type { ChatOutbox } from './core/thread-target.js';
import { startDiscordBot, type DiscordBot, type DiscordBotConfig } from './discord/discord-bot.js';
import { startSlackBot, type SlackBot, type SlackBotConfig } from './slack/slack-bot.js';

export interface ChatBotsConfig {
  slack: SlackBotConfig | null;
  discord: DiscordBotConfig | null;
  policies: { slack: AccessPolicy; discord: AccessPolicy };
}

export interface ChatBots {
  router: ChatRouter;
  slack: SlackBot | null;
  discord: DiscordBot | null;
  close(): Promise<void>;
}

/**
 * The bots configured, as targets of the notifier outbox: a run started from a platform is told about
 * in its own thread there, everything else in the bot's default channel (if it has one).
 */
export function chatThreadRoutes(config: Pick<ChatBotsConfig, 'slack' | 'discord'>): ChatThreadRoute[] {
  return [
    ...(config.slack ? [{ platform: 'slack' as const, defaultChannel: config.slack.channel }] : []),
    ...(config.discord ? [{ platform: 'discord' as const, defaultChannel: config.discord.channel }] : []),
  ];
}

/**
 * Starts the bots whose tokens are configured. A platform that is down or refuses the tokens is
 * retried in the background and never stops the agent or the other bot.
 */
export async function startChatBots(config: ChatBotsConfig, deps: { services: ChatServices; outbox: ChatOutbox; logger: Logger }): Promise<ChatBots> {
  const router = new ChatRouter(deps.services, config.policies, deps.logger);
  const botDeps = { router, runs: deps.services.runs, outbox: deps.outbox, logger: deps.logger };
  let slack: SlackBot | null = null;
  if (config.slack) {
    try {
      slack = await startSlackBot(config.slack, botDeps);
    } catch (error) {
      deps.logger.error('slack bot not started', { mode: config.slack.mode, error: (error as Error).message });
    }
  }
  let discord: DiscordBot | null = null;
  if (config.discord) {
    try {
      discord = await startDiscordBot(config.discord, botDeps);
    } catch (error) {
      deps.logger.error('discord bot not started', { mode: config.discord.mode, error: (error as Error).message });
    }
  }
  deps.logger.info('chat bots', { slack: slack ? slack.mode : 'off', discord: discord ? discord.mode : 'off' });
  return {
    router,
    slack,
    discord,
    async close() {
      await Promise.all([slack?.close(), discord?.close()]);
    },
  };
}
