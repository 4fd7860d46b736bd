import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveAgentConfig } from '../../dist/src/index.js';

describe('chat bot configuration', () => {
  it('starts no bot without tokens, and a notifier-only Slack token starts no Slack bot', () => {
    expect(resolveAgentConfig({}, {}).chat).toMatchObject({ slack: null, discord: null });
    expect(resolveAgentConfig({}, { SLACK_BOT_TOKEN: 'xoxb-1' }).chat.slack).toBeNull();
  });

  it('reads the config file and lets environment variables override it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trainer-chat-config-'));
    const file = join(dir, 'trainer.yaml');
    await writeFile(
      file,
      'chat:\n  slack: { bot_token: xoxb-file, signing_secret: s3cret, http_port: 3100, allowed_users: [U1], admins: [UADMIN] }\n  discord: { token: file-token, allowed_roles: ["42"], channel: "123" }\n',
    );
    const config = resolveAgentConfig({}, { TRAINER_CONFIG: file, SLACK_ALLOWED_USERS: 'U2,U3', API_HOST: '127.0.0.1' });
    expect(config.chat.slack).toMatchObject({
      botToken: 'xoxb-file',
      mode: 'http',
      signingSecret: 's3cret',
      httpPort: 3100,
      httpHost: '127.0.0.1',
      apiUrl: 'https://slack.com/api/',
    });
    expect(config.chat.policies.slack).toMatchObject({ users: ['U2', 'U3'], admins: ['UADMIN'], roles: [], readsNeedAllowList: false });
    expect(config.chat.discord).toMatchObject({ token: 'file-token', apiUrl: 'https://discord.com/api', channel: '123', mode: 'gateway' });
    expect(config.chat.policies.discord.roles).toEqual(['42']);
  });

  it('defaults Slack to Socket Mode with an app token and names what a chosen mode lacks', () => {
    expect(resolveAgentConfig({}, { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).chat.slack!.mode).toBe('socket');
    expect(() => resolveAgentConfig({}, { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_MODE: 'http' })).toThrow(/needs SLACK_SIGNING_SECRET/);
    expect(() => resolveAgentConfig({}, { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_MODE: 'websocket' })).toThrow(/SLACK_MODE must be socket or http/);
  });

  it("makes a platform's channel the bot's default channel where its bot runs, and a notifier route where it does not", () => {
    const withBot = resolveAgentConfig({}, { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', SLACK_CHANNEL: 'C1' });
    expect(withBot.notificationRoutes).toEqual([]);
    expect(withBot.chat.slack!.channel).toBe('C1');
    expect(resolveAgentConfig({}, { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_CHANNEL: 'C1' }).notificationRoutes).toEqual([
      { notifier: 'slack', target: { channel: 'C1' } },
    ]);
  });
});
