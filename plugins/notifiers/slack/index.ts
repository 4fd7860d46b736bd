import { z } from 'zod';
import { defineNotifier, parseJson, type NotifierMessage, type NotifierResult } from '../../../src/plugins/sdk.js';

const ConfigSchema = z
  .object({
    bot_token: z.string().min(1).optional(),
    /** The Web API base; a local stand-in in tests, a proxy on an enterprise grid. */
    api_url: z.string().url().default('https://slack.com/api/'),
  })
  .strict();

/** A channel through the bot (chat.postMessage, threaded per run), or an incoming-webhook URL. */
const TargetSchema = z.union([z.object({ channel: z.string().min(1) }).strict(), z.object({ webhook_url: z.string().url() }).strict()]);
type Target = z.infer<typeof TargetSchema>;

const EMOJI: Record<NotifierMessage['severity'], string> = {
  info: ':information_source:',
  low: ':large_blue_circle:',
  medium: ':warning:',
  high: ':rotating_light:',
  critical: ':fire:',
};

/** Block Kit: a header, the summary, the fields, and the commands to act. */
export function slackBlocks(message: NotifierMessage): unknown[] {
  const blocks: unknown[] = [{ type: 'section', text: { type: 'mrkdwn', text: `${EMOJI[message.severity]} *${message.title}*\n${message.summary}` } }];
  if (message.fields.length > 0)
    blocks.push({ type: 'section', fields: message.fields.slice(0, 10).map((field) => ({ type: 'mrkdwn', text: `*${field.name}*\n${field.value}` })) });
  if (message.actions.length > 0)
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: message.actions.map((action) => `${action.label}: \`${action.command}\``).join('   ') }],
    });
  return blocks;
}

export default defineNotifier({
  name: 'slack',
  description: 'Slack: chat.postMessage with Block Kit (threaded per run), or an incoming webhook.',
  configSchema: ConfigSchema,
  targetSchema: TargetSchema,
  async send(message, target: Target, { config, http }): Promise<NotifierResult> {
    const text = `${message.title}: ${message.summary}`;
    const blocks = slackBlocks(message);
    if ('webhook_url' in target) {
      const response = await http.post(target.webhook_url, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text, blocks }) });
      const body = response.body;
      return { ok: response.ok && body.trim() === 'ok', status: response.status, detail: response.ok ? undefined : body.slice(0, 200) };
    }
    if (!config.bot_token) return { ok: false, detail: 'no bot_token configured for the slack notifier' };
    const form = new URLSearchParams({
      channel: target.channel,
      text,
      blocks: JSON.stringify(blocks),
      ...(message.threadRef ? { thread_ts: message.threadRef } : {}),
    });
    const response = await http.post(new URL('chat.postMessage', config.api_url.endsWith('/') ? config.api_url : config.api_url + '/'), {
      headers: { authorization: `Bearer ${config.bot_token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    const body = parseJson(response.body) as { ok?: boolean; error?: string; ts?: string };
    // Slack answers errors with HTTP 200 and ok:false
    return body.ok
      ? { ok: true, status: response.status, threadRef: message.threadRef ?? body.ts }
      : { ok: false, status: response.status, detail: body.error ?? `HTTP ${response.status}` };
  },
});
