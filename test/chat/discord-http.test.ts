import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';
import { APP_ID, DISCORD_TOKEN, startDiscordPlatform } from '../stand-ins/discord-platform.js';

const CHANNEL = '800000000000000009';
const ann = { id: '700000000000000001', username: 'ann' };

/** Discord's optional HTTP interactions: Ed25519-signed POSTs, no gateway. */
describe('Discord bot (HTTP interactions)', () => {
  let discord: Awaited<ReturnType<typeof startDiscordPlatform>>;
  let t: TestAgent;
  let url: string;
  let privateKey: KeyObject;

  const post = (body: unknown, options: { timestamp?: number; key?: KeyObject } = {}) => {
    const raw = JSON.stringify(body);
    const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
    const signature = sign(null, Buffer.from(timestamp + raw), options.key ?? privateKey).toString('hex');
    return fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature-ed25519': signature, 'x-signature-timestamp': timestamp },
      body: raw,
    });
  };
  const command = (subcommand: string, options: { name: string; type: number; value: string | number }[], user = ann) => ({
    id: '1',
    application_id: APP_ID,
    type: 2,
    token: 'itoken-http',
    version: 1,
    channel_id: CHANNEL,
    member: { user, roles: [] },
    data: { id: '2', name: 'train', type: 1, options: [{ type: 1, name: subcommand, options }] },
  });

  beforeAll(async () => {
    discord = await startDiscordPlatform();
    const pair = generateKeyPairSync('ed25519');
    privateKey = pair.privateKey;
    const publicKey = pair.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
    t = await startTestAgent({
      env: {
        DISCORD_TOKEN,
        DISCORD_API_URL: discord.apiUrl,
        DISCORD_MODE: 'http',
        DISCORD_PUBLIC_KEY: publicKey,
        DISCORD_APPLICATION_ID: APP_ID,
        DISCORD_HTTP_PORT: '0',
        DISCORD_ALLOWED_USERS: ann.id,
      },
    });
    url = t.agent.chat.discord!.httpUrl!;
  });
  afterAll(async () => {
    await t?.close();
    await discord?.close();
  });

  it('answers PING, registers /train over REST, and never opens the gateway', async () => {
    expect(await (await post({ type: 1, id: '1', application_id: APP_ID, token: 'x', version: 1 })).json()).toEqual({ type: 1 });
    await waitFor(() => discord.calls.find((call) => call.method === 'PUT' && call.path === `/applications/${APP_ID}/commands`), 'the registration');
    expect(discord.identified()).toBe(0);
  });

  it('starts a run from a signed command and posts its thread through REST', async () => {
    const response = await post(
      command('start', [
        { name: 'recipe', type: 3, value: 'ticker' },
        { name: 'params', type: 3, value: 'epochs=2 interval_ms=20' },
      ]),
    );
    const answer = await response.json();
    // replied at once when ready within 2 s, otherwise deferred and edited in: which one depends on the machine's load
    expect(answer).toMatchObject({ type: expect.toSatisfy((type: number) => type === 4 || type === 5), data: { flags: 64 } });
    const message =
      answer.type === 4
        ? answer.data
        : (
            await waitFor(
              () => discord.calls.find((call) => call.method === 'PATCH' && call.path === `/webhooks/${APP_ID}/itoken-http/messages/%40original`),
              'the deferred answer',
            )
          ).body;
    const id = /(sess_[0-9a-f]{12})/.exec(message.embeds[0].title)![1]!;
    await waitForState(t.api, id, ['completed']);
    const root = await waitFor(() => discord.channelMessages(CHANNEL).find((call) => call.body.embeds[0].title === `Run ${id} queued`), 'the root message');
    await waitFor(
      () =>
        discord
          .channelMessages(CHANNEL)
          .find((call) => call.body.message_reference?.message_id === root.responseId && call.body.embeds[0].title.startsWith(`Run ${id} completed`)),
      'the completion reply',
    );
  });

  it('refuses a wrong signature and a timestamp five minutes off, either way', async () => {
    const before = t.agent.runs.list({ limit: 1, offset: 0 }).total;
    const body = command('start', [{ name: 'recipe', type: 3, value: 'ticker' }]);
    expect((await post(body, { key: generateKeyPairSync('ed25519').privateKey })).status).toBe(401);
    expect((await post(body, { timestamp: Math.floor(Date.now() / 1000) - 600 })).status).toBe(401);
    expect((await post(body, { timestamp: Math.floor(Date.now() / 1000) + 600 })).status).toBe(401);
    expect(t.agent.runs.list({ limit: 1, offset: 0 }).total).toBe(before);
  });
});
