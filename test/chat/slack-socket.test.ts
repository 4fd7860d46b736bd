import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';
import { SLACK_APP_TOKEN, SLACK_BOT_TOKEN, startSlackPlatform } from '../stand-ins/slack-platform.js';

const ann = { id: 'UANN', name: 'ann' };
const bob = { id: 'UBOB', name: 'bob' };
const runIdIn = (text: string) => /(sess_[0-9a-f]{12})/.exec(text)?.[1];

/** Real Bolt in Socket Mode against a local Slack: slash commands, threads, buttons, outages. */
describe('Slack bot (Socket Mode)', () => {
  let slack: Awaited<ReturnType<typeof startSlackPlatform>>;
  let t: TestAgent;

  beforeAll(async () => {
    slack = await startSlackPlatform();
    t = await startTestAgent({
      env: {
        SLACK_BOT_TOKEN,
        SLACK_APP_TOKEN,
        SLACK_API_URL: slack.apiUrl,
        // the notifier's channel too: runs started from chat must not be told about there a second time
        SLACK_CHANNEL: 'CALL',
        SLACK_ALLOWED_USERS: 'UANN',
        SLACK_ALLOWED_GROUPS: 'S0MLTEAM',
        SLACK_PING_TIMEOUT_MS: '2000',
        SLACK_API_RETRIES: '0',
        MAX_CONCURRENT_SESSIONS: '2',
        TRAINER_ALERT_EVAL_SECONDS: '1',
      },
    });
    await waitFor(() => slack.connected(), 'the bot to open its socket');
  });
  afterAll(async () => {
    await t?.close();
    await slack?.close();
  });

  it('starts a run from a slash command, then threads its updates through to completion', async () => {
    const { acked } = slack.slashCommand('start ticker epochs=8 interval_ms=100', ann);
    const ack = (await acked) as { response_type: string; text: string; blocks: any[] };
    expect(ack.response_type).toBe('ephemeral');
    const id = runIdIn(ack.text)!;
    expect(ack.text).toMatch(/Run sess_\w+ (queued|started)/);
    expect(JSON.stringify(ack.blocks)).toContain('"action_id":"train_stop_0"');

    const mine = () => slack.posts().filter((call) => call.form.text?.includes(id));
    await waitFor(() => mine().some((call) => / completed/.test(call.form.text)), 'the completion message');
    const root = mine()[0];
    const thread = slack.posts().filter((call) => call.form.thread_ts === root!.ts);
    expect(root).toMatchObject({ token: SLACK_BOT_TOKEN, form: { channel: 'CTRAIN' } });
    expect(root!.form.text).toContain(`Run ${id} queued`);
    expect(root!.form.text).toContain('<@UANN>');
    expect(root!.form.thread_ts).toBeUndefined();
    expect(
      mine()
        .slice(1)
        .every((call) => call.form.thread_ts === root!.ts),
    ).toBe(true);
    expect(mine().filter((call) => call.form.channel === 'CALL')).toEqual([]);
    const texts = thread.map((call) => call.form.text);
    expect(texts[0]).toBe(`Run ${id} started`);
    expect(texts.some((text) => /^epoch [2-7]\/8 loss 0\.\d+, accuracy 0\.\d+/.test(text))).toBe(true);
    expect(texts.at(-1)).toMatch(new RegExp(`^Run ${id} completed with accuracy 0\\.8889 in \\d+ s`));
    expect((await t.api('GET', `/api/v1/training/${id}/status`)).body.origin).toEqual({ platform: 'slack', channel: 'CTRAIN', thread: root!.ts, user: 'UANN' });
  });

  it('stops a run with the button on its message', async () => {
    const ack = (await slack.slashCommand('start ticker epochs=1000 interval_ms=50', ann).acked) as { text: string };
    const id = runIdIn(ack.text)!;
    await waitForState(t.api, id, ['running']);
    const root = await waitFor(() => slack.posts().find((call) => call.form.text?.startsWith(`Run ${id} queued`)), 'the root message');
    const button = JSON.parse(root.form.blocks).find((block: any) => block.type === 'actions').elements[0];
    expect(button).toMatchObject({ text: { text: 'Stop run' }, value: id, style: 'danger' });

    const refused = slack.pressButton(button, bob);
    await refused.acked;
    const refusal = await waitFor(() => slack.responses.find((response) => response.path === new URL(refused.responseUrl).pathname), 'the refusal');
    expect(refusal.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(refusal.body.text).toMatch(/not on the slack allow-list/);
    expect(t.agent.runs.get(id).state).toBe('running');

    const press = slack.pressButton(button, ann);
    await press.acked;
    await waitForState(t.api, id, ['stopped']);
    const answer = await waitFor(() => slack.responses.find((response) => response.path === new URL(press.responseUrl).pathname), 'the answer to the press');
    expect(answer.body.response_type).toBe('in_channel');
    expect(answer.body.text).toMatch(new RegExp(`Run ${id} (stopped|is stopping)`));
  });

  it("posts an alert in the run's thread with buttons that acknowledge, silence and stop", async () => {
    await t.api('POST', '/api/v1/alerts/rules', { name: 'nan', type: 'nan-loss', params: {}, severity: 'critical' });
    const ack = (await slack.slashCommand('start nan-loss', ann).acked) as { text: string };
    const id = runIdIn(ack.text)!;
    const root = await waitFor(() => slack.posts().find((call) => call.form.text?.startsWith(`Run ${id} queued`)), 'the root message');
    const alert = await waitFor(
      () => slack.posts().find((call) => call.form.thread_ts === root.ts && call.form.text.startsWith('Alert: nan [critical]')),
      'the alert in the thread',
    );
    const buttons = JSON.parse(alert.form.blocks).find((block: any) => block.type === 'actions').elements;
    expect(buttons.map((button: any) => button.text.text)).toEqual(['Stop run', 'Silence 1 h', 'Acknowledge']);

    await slack.pressButton(buttons[2], ann).acked;
    const alertId = buttons[2].value;
    await waitFor(
      async () => (await t.api('GET', '/api/v1/alerts')).body.alerts?.find((a: any) => a.alert_id === alertId && a.status === 'acknowledged'),
      'the acknowledgement',
    );
    await slack.pressButton(buttons[1], ann).acked;
    await waitFor(
      async () => (await t.api('GET', '/api/v1/alerts/silences')).body.silences?.find((s: any) => s.run_id === id && s.created_by === 'slack:ann'),
      'the silence',
    );
    await slack.pressButton(buttons[0], ann).acked;
    await waitForState(t.api, id, ['stopped']);
    // the stop is audited after the run's state changes: let it land before the next test reads the audit log
    await waitFor(
      async () => (await t.api('GET', '/api/v1/audit?limit=5')).body.entries.some((entry: any) => entry.action === 'chat.stop' && entry.actor === 'ann (UANN)'),
      'the stop to be audited',
    );
  });

  it('refuses a user outside the allow-list, privately, and starts nothing', async () => {
    const before = t.agent.runs.list({ limit: 1, offset: 0 }).total;
    const ack = (await slack.slashCommand('start ticker epochs=2', bob).acked) as { response_type: string; text: string };
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toMatch(/^Not allowed: Sorry, you are not on the slack allow-list/);
    expect(t.agent.runs.list({ limit: 1, offset: 0 }).total).toBe(before);
    const audit = (await t.api('GET', '/api/v1/audit?limit=1')).body.entries[0];
    expect(audit).toMatchObject({ actor: 'bob (UBOB)', via: 'slack', action: 'chat.start', result: 'refused' });
  });

  it('acks a slow command at once, then answers through the response URL', async () => {
    const started = (await slack.slashCommand('start stubborn', ann).acked) as { text: string };
    const id = runIdIn(started.text)!;
    await waitFor(
      async () => (await t.api('GET', `/api/v1/training/${id}/logs?limit=10`)).body.some((entry: any) => entry.message === 'stubborn running'),
      'SIGTERM to be ignored',
    );
    const { acked, responseUrl } = slack.slashCommand(`stop ${id}`, ann);
    expect(await acked).toEqual({ response_type: 'ephemeral', text: 'Working on it…' });
    const answer = await waitFor(() => slack.responses.find((response) => response.path === new URL(responseUrl).pathname), 'the later answer');
    expect(answer.body).toMatchObject({ response_type: 'in_channel', text: `Run ${id} stopped` });
  });

  it('lets members of an allowed user group write', async () => {
    const ack = (await slack.slashCommand('start ticker epochs=1 interval_ms=10', { id: 'UCAROL', name: 'carol' }).acked) as { text: string };
    expect(ack.text).toMatch(/^Run sess_\w+ (queued|started)/);
    await waitForState(t.api, runIdIn(ack.text)!, ['completed']);
  });

  it('reconnects when Slack asks it to', async () => {
    const before = slack.connections();
    slack.refresh();
    await waitFor(() => slack.connected() && slack.connections() > before, 'a fresh connection');
    expect(((await slack.slashCommand('queue', bob).acked) as { text: string }).text).toMatch(/queued/);
  });

  it('keeps serving REST while Slack is away and reconnects when it is back', async () => {
    const before = slack.connections();
    await slack.down();
    expect(slack.connected()).toBe(false);
    expect((await t.api('GET', '/health')).status).toBe(200);
    expect((await t.api('GET', '/api/v1/training/sessions')).status).toBe(200);
    await waitFor(() => slack.refusedOpens() >= 2, 'the bot to try to reconnect while Slack is away');
    expect((await t.api('GET', '/health')).status).toBe(200);
    slack.up();
    await waitFor(() => slack.connected() && slack.connections() > before, 'the bot to reconnect');
    const ack = (await slack.slashCommand('status', bob).acked) as { text: string };
    expect(ack.text).toMatch(/^Trainer status/);
  });
});
