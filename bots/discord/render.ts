import type { ButtonAction, ChatReply } from '../core/replies.js';

const COLOR: Record<ChatReply['tone'], number> = { info: 0x5865f2, success: 0x2ecc71, warning: 0xf1c40f, error: 0xe74c3c };
const BUTTON_STYLE = { primary: 1, secondary: 2, danger: 4 } as const;
export const EPHEMERAL_FLAG = 64;

/** An embed and a row of buttons; custom ids are `train:<action>:<value>`. */
export function discordMessage(message: ChatReply): {
  embeds: Record<string, unknown>[];
  components: Record<string, unknown>[];
  allowed_mentions: { parse: never[] };
} {
  const embed = {
    title: message.title.slice(0, 256),
    ...(message.text && { description: message.text.slice(0, 4096) }),
    color: COLOR[message.tone],
    ...(message.fields.length > 0 && {
      fields: message.fields
        .slice(0, 25)
        .map((field) => ({ name: field.name.slice(0, 256), value: field.value.slice(0, 1024) || '-', inline: field.value.length < 40 })),
    }),
  };
  const components = message.buttons.length
    ? [
        {
          type: 1,
          components: message.buttons.slice(0, 5).map((button) => ({
            type: 2,
            style: BUTTON_STYLE[button.style ?? 'secondary'],
            label: button.label,
            custom_id: `train:${button.action}:${button.value}`.slice(0, 100),
          })),
        },
      ]
    : [];
  return { embeds: [embed], components, allowed_mentions: { parse: [] } };
}

/** `train:stop:sess_…` → the action and its value. */
export function parseCustomId(customId: string): { action: ButtonAction; value: string } | null {
  const match = /^train:(stop|silence|ack):(.+)$/.exec(customId);
  return match ? { action: match[1] as ButtonAction, value: match[2]! } : null;
}
