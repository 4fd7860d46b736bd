import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';
import { APP_ID, DISCORD_TOKEN, startDiscordPlatform } from '../stand-ins/discord-platform.js';

const ann = { id: '700000000000000001', name: 'ann' };
const bob = { id: '700000000000000002', name: 'bob' };
const carol = { id: '700000000000000003', name: 'carol', roles: ['600000000000000001'] };
const CHANNEL = '800000000000000001';
const runIdIn = (text: string) => /(sess_[0-9a-f]{12})/.exec(text)?.[1];

/** Real discord.js over a local Gateway and REST API: /train, autocomplete, threads, buttons, outages. */
describe('Discord bot (gateway)', () => {
  let discord: Awaited<ReturnType<typeof startDiscordPlatform>>;
  let t: TestAgent;
  const callback = async (path: string) => (await waitFor(() => discord.calls.find((call) => call.path === path), `the interaction answer ${path}`)).body;
  /**
   * The answer to an interaction, however it came: the bot replies at once when its answer is ready
   * within 2 s and otherwise defers and edits it in — which one depends on the machine's load, so
   * tests of what the answer says take either (the deferral itself is tested on a stop that waits).
   */
  const answerTo = async ({ callbackPath, editPath }: { callbackPath: string; editPath: string }): Promise<{ data: any }> => {
    const first = await callback(callbackPath);
    expect([4, 5]).toContain(first.type); // a reply, or a deferral (its flags say whether the answer is private)
    return first.type === 4 ? first : { data: { ...(await callback(editPath)), flags: first.data.flags } };
  };

  beforeAll(async () => {
    discord = await startDiscordPlatform();
    t = await startTestAgent({
      env: {
        DISCORD_TOKEN,
        DISCORD_API_URL: discord.apiUrl,
        DISCORD_ALLOWED_USERS: ann.id,
        DISCORD_ALLOWED_ROLES: carol.roles[0]!,
        MAX_CONCURRENT_SESSIONS: '2',
        // a Slack that cannot be reached: it must not hold up the agent or the Discord bot
        SLACK_BOT_TOKEN: 'xoxb-nowhere',
        SLACK_APP_TOKEN: 'xapp-nowhere',
        SLACK_API_URL: 'http://127.0.0.1:9/api/',
        SLACK_API_RETRIES: '0',
      },
    });
    await waitFor(() => discord.identified() > 0 && discord.calls.some((call) => call.method === 'PUT'), 'the bot to identify and register /train');
  });
  afterAll(async () => {
    await t?.close();
    await discord?.close();
  });

  it('registers /train with subcommands and autocompletes recipes', async () => {
    const registration = discord.calls.find((call) => call.method === 'PUT')!;
    expect(registration.path).toBe(`/applications/${APP_ID}/commands`);
    expect(registration.authorization).toBe(`Bot ${DISCORD_TOKEN}`);
    const train = registration.body[0];
    expect(train.name).toBe('train');
    expect(train.options.map((option: any) => option.name)).toEqual([
      'start',
      'stop',
      'status',
      'list',
      'logs',
      'metrics',
      'queue',
      'gpus',
      'alerts',
      'ack',
      'silence',
      'recipes',
      'top',
      'help',
    ]);
    expect(train.options[0].options[0]).toMatchObject({ name: 'recipe', autocomplete: true, required: true });

    const { callbackPath } = discord.autocomplete('start', 'recipe', 'tick', ann);
    const answer = await callback(callbackPath);
    expect(answer.type).toBe(8);
    // every recipe with `tick` in its name, those starting with it first
    expect(answer.data.choices[0]).toEqual({ name: 'ticker', value: 'ticker' });
    expect(answer.data.choices.map((choice: { name: string }) => choice.name)).toEqual(expect.arrayContaining(['ticker', 'disk-ticker']));
    expect(answer.data.choices.every((choice: { name: string; value: string }) => choice.name.includes('tick') && choice.value === choice.name)).toBe(true);
  });

  it('starts a run from /train start, then threads its updates through to completion', async () => {
    const answer = await answerTo(discord.slashCommand('start', { recipe: 'ticker', params: 'epochs=8 interval_ms=100' }, ann));
    expect(answer.data.flags).toBe(64);
    const id = runIdIn(answer.data.embeds[0].title)!;
    expect(answer.data.components[0].components[0]).toMatchObject({ type: 2, style: 4, label: 'Stop run', custom_id: `train:stop:${id}` });

    const mine = () => discord.channelMessages(CHANNEL).filter((call) => JSON.stringify(call.body).includes(id));
    await waitFor(() => mine().some((call) => / completed/.test(call.body.embeds[0].title)), 'the completion message');
    const root = mine()[0]!;
    expect(root.authorization).toBe(`Bot ${DISCORD_TOKEN}`);
    expect(root.body.embeds[0].title).toBe(`Run ${id} queued`);
    expect(root.body.message_reference).toBeUndefined();
    const thread = discord.channelMessages(CHANNEL).filter((call) => call.body.message_reference?.message_id === root.responseId);
    const titles = thread.map((call) => call.body.embeds[0].title);
    expect(titles[0]).toBe(`Run ${id} started`);
    expect(titles.some((title: string) => /^epoch [2-7]\/8 loss/.test(title))).toBe(true);
    expect(titles.at(-1)).toMatch(new RegExp(`^Run ${id} completed with accuracy 0\\.8889`));
    expect(t.agent.runs.get(id).origin).toEqual({ platform: 'discord', channel: CHANNEL, thread: root.responseId, user: ann.id });
  });

  it('stops a run with its button; a member outside the allow-list is refused privately', async () => {
    const started = await answerTo(discord.slashCommand('start', { recipe: 'ticker', params: 'epochs=1000 interval_ms=50' }, carol));
    const id = runIdIn(started.data.embeds[0].title)!;
    await waitForState(t.api, id, ['running']);

    const refused = await answerTo(discord.pressButton(`train:stop:${id}`, bob));
    expect(refused).toMatchObject({ data: { flags: 64 } });
    expect(refused.data.embeds[0].description).toMatch(/not on the discord allow-list/);
    expect(t.agent.runs.get(id).state).toBe('running');

    const stopped = await answerTo(discord.pressButton(`train:stop:${id}`, ann));
    expect(stopped.data.embeds[0].title).toMatch(new RegExp(`Run ${id} (stopped|is stopping)`));
    await waitForState(t.api, id, ['stopped']);

    const before = t.agent.runs.list({ limit: 1, offset: 0 }).total;
    const denied = await answerTo(discord.slashCommand('start', { recipe: 'ticker' }, bob));
    expect(denied.data.flags).toBe(64);
    expect(t.agent.runs.list({ limit: 1, offset: 0 }).total).toBe(before);
  });

  it('defers a slow answer, then edits it in', async () => {
    const started = await answerTo(discord.slashCommand('start', { recipe: 'stubborn' }, ann));
    const id = runIdIn(started.data.embeds[0].title)!;
    await waitFor(
      async () => (await t.api('GET', `/api/v1/training/${id}/logs?limit=10`)).body.some((entry: any) => entry.message === 'stubborn running'),
      'SIGTERM to be ignored',
    );
    const { callbackPath, editPath } = discord.slashCommand('stop', { run: id.slice(5, 11) }, ann);
    expect(await callback(callbackPath)).toEqual({ type: 5, data: { flags: 64 } });
    const edit = await callback(editPath);
    expect(edit.embeds[0].title).toBe(`Run ${id} stopped`);
    expect(discord.calls.find((call) => call.path === editPath)!.method).toBe('PATCH');
  });

  it('keeps serving REST while Discord is away and reconnects when it is back', async () => {
    const sessions = discord.identified() + discord.resumed();
    await discord.down();
    await waitFor(() => discord.refused() >= 2, 'the bot to try to reconnect while Discord is away');
    expect((await t.api('GET', '/health')).status).toBe(200);
    discord.up();
    await waitFor(() => discord.connected() && discord.identified() + discord.resumed() > sessions, 'the bot to reconnect', 60_000);
    const answer = await answerTo(discord.slashCommand('status', {}, bob));
    expect(answer.data.embeds[0].title).toBe('Trainer status');
  }, 90_000);
});
