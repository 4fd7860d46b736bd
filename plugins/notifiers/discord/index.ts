import { z } from 'zod';
import { defineNotifier, httpDeliveryResult, parseJson, type NotifierMessage, type NotifierResult } from '../../../src/plugins/sdk.js';

const ConfigSchema = z
  .object({
    bot_token: z.string().min(1).optional(),
    /** The REST base without the version; a local stand-in in tests. */
    api_url: z.string().url().default('https://discord.com/api'),
  })
  .strict();

/** A channel through the bot (replies thread a run's messages), or an execute-webhook URL. */
const TargetSchema = z.union([
  z.object({ channel_id: z.string().regex(/^\d{1,25}$/, 'a Discord snowflake') }).strict(),
  z.object({ webhook_url: z.string().url() }).strict(),
]);
type Target = z.infer<typeof TargetSchema>;

const COLOR: Record<NotifierMessage['severity'], number> = { info: 0x5865f2, low: 0x3498db, medium: 0xf1c40f, high: 0xe67e22, critical: 0xe74c3c };

export function discordEmbed(message: NotifierMessage): Record<string, unknown> {
  return {
    title: message.title.slice(0, 256),
    description: message.summary.slice(0, 4096),
    color: COLOR[message.severity],
    fields: [
      ...message.fields.slice(0, 20).map((field) => ({ name: field.name.slice(0, 256), value: field.value.slice(0, 1024) || '-', inline: true })),
      ...message.actions.slice(0, 3).map((action) => ({ name: action.label, value: `\`${action.command}\``, inline: false })),
    ],
    timestamp: new Date().toISOString(),
  };
}

export default defineNotifier({
  name: 'discord',
  description: 'Discord: channel messages with embeds (replies thread a run), or an execute webhook.',
  configSchema: ConfigSchema,
  targetSchema: TargetSchema,
  async send(message, target: Target, { config, http }): Promise<NotifierResult> {
    const body: Record<string, unknown> = { embeds: [discordEmbed(message)], allowed_mentions: { parse: [] } };
    if ('webhook_url' in target) {
      const response = await http.post(target.webhook_url, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return httpDeliveryResult(response);
    }
    if (!config.bot_token) return { ok: false, detail: 'no bot_token configured for the discord notifier' };
    if (message.threadRef) body.message_reference = { message_id: message.threadRef, fail_if_not_exists: false };
    const response = await http.post(`${config.api_url.replace(/\/+$/, '')}/v10/channels/${target.channel_id}/messages`, {
      headers: { authorization: `Bot ${config.bot_token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const sent = parseJson(response.body) as { id?: string; message?: string };
    return response.ok
      ? { ok: true, status: response.status, threadRef: message.threadRef ?? sent.id }
      : { ok: false, status: response.status, detail: sent.message ?? `HTTP ${response.status}` };
  },
});
