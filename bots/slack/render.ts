import type { ButtonAction, ChatReply } from '../core/replies.js';

const EMOJI: Record<ChatReply['tone'], string> = { info: ':information_source:', success: ':white_check_mark:', warning: ':warning:', error: ':x:' };
const ACTION_PREFIX = 'train_';

/** Slack escapes only these three in mrkdwn. */
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** Keeps `<@U123>` mentions, escapes everything else. */
const escapeKeepingMentions = (text: string) =>
  text
    .split(/(<@[A-Z0-9]+>)/)
    .map((part, index) => (index % 2 ? part : escape(part)))
    .join('');

/** Block Kit: the title and text, the fields, and the buttons. `text` is the notification fallback. */
export function slackMessage(message: ChatReply): { text: string; blocks: Record<string, unknown>[] } {
  const body = `${EMOJI[message.tone]} *${escape(message.title)}*${message.text ? '\n' + escapeKeepingMentions(message.text) : ''}`;
  const blocks: Record<string, unknown>[] = [{ type: 'section', text: { type: 'mrkdwn', text: body.slice(0, 3000) } }];
  if (message.fields.length > 0)
    blocks.push({
      type: 'section',
      fields: message.fields.slice(0, 10).map((field) => ({ type: 'mrkdwn', text: `*${escape(field.name)}*\n${escape(field.value)}`.slice(0, 2000) })),
    });
  if (message.buttons.length > 0) {
    blocks.push({
      type: 'actions',
      elements: message.buttons.slice(0, 5).map((button, index) => ({
        type: 'button',
        action_id: `${ACTION_PREFIX}${button.action}_${index}`,
        text: { type: 'plain_text', text: button.label },
        value: button.value,
        ...(button.style && { style: button.style }),
      })),
    });
  }
  return { text: `${message.title}${message.text ? ': ' + message.text : ''}`.slice(0, 3000), blocks };
}

/** `train_stop_0` → `stop`; anything else → null. */
export function buttonActionOf(actionId: string): ButtonAction | null {
  const match = /^train_(stop|silence|ack)_\d+$/.exec(actionId);
  return match ? (match[1] as ButtonAction) : null;
}

export const SLACK_ACTION_PATTERN = /^train_(stop|silence|ack)_\d+$/;
