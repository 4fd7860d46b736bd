import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';
import { startChatApis } from '../stand-ins/chat-apis.js';
import { startWebhookReceiver } from '../stand-ins/webhook-receiver.js';

describe('notifiers and routing (Slack and Discord stand-ins)', () => {
  let t: TestAgent;
  let apis: Awaited<ReturnType<typeof startChatApis>>;
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  beforeAll(async () => {
    apis = await startChatApis();
    hook = await startWebhookReceiver();
    const dir = await mkdtemp(join(tmpdir(), 'trainer-routes-'));
    const configFile = join(dir, 'trainer.yaml');
    await writeFile(
      configFile,
      `notification_routes:\n  - notifier: webhook\n    target: { url: "${hook.url}" }\n    events: [alert_triggered]\n    min_severity: high\n`,
    );
    t = await startTestAgent({
      env: {
        TRAINER_CONFIG: configFile,
        TRAINER_ALERT_EVAL_SECONDS: '1',
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_API_URL: apis.slackApiUrl,
        SLACK_CHANNEL: 'C0TRAINING',
        DISCORD_TOKEN: 'discord-test',
        DISCORD_API_URL: apis.discordApiUrl,
        DISCORD_CHANNEL: '123456789012345678',
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await apis.close();
    await hook.close();
  });

  it("threads a run's messages in Slack and Discord and says what a person needs", async () => {
    const id = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 2, interval_ms: 5 }, start: true })).body.session_id;
    await waitForState(t.api, id, ['completed']);
    const mine = () => apis.slack.filter((call) => call.form.text?.includes(id));
    await waitFor(() => mine().some((call) => call.form.text.includes('completed')), 'the Slack completion message');
    const [queued, ...later] = mine();
    expect(queued!.token).toBe('xoxb-test');
    expect(queued!.form.channel).toBe('C0TRAINING');
    expect(queued!.form.thread_ts).toBeUndefined();
    expect(later.length).toBeGreaterThanOrEqual(2);
    for (const call of later) expect(call.form.thread_ts).toBe(queued!.ts);
    const completed = later.find((call) => call.form.text.includes('completed'))!;
    const blocks = JSON.parse(completed.form.blocks);
    expect(JSON.stringify(blocks)).toContain('*Recipe*\\nticker');
    expect(JSON.stringify(blocks)).toContain('*Duration*');

    await waitFor(() => apis.discord.filter((call) => JSON.stringify(call.body).includes(id)).length >= 3, 'the Discord messages');
    const discordCalls = apis.discord.filter((call) => JSON.stringify(call.body).includes(id));
    expect(discordCalls[0]!.authorization).toBe('Bot discord-test');
    expect(discordCalls[0]!.body.message_reference).toBeUndefined();
    expect(discordCalls[1]!.body.message_reference.message_id).toBeTruthy();
    expect(discordCalls[0]!.body.embeds[0]).toMatchObject({
      title: `Run ${id} queued`,
      fields: expect.arrayContaining([{ name: 'Recipe', value: 'ticker', inline: true }]),
    });
  });

  it('routes alerts by event and severity, with the commands to act', async () => {
    await t.api('POST', '/api/v1/alerts/rules', { name: 'nan', type: 'nan-loss', params: {}, severity: 'critical' });
    await t.api('POST', '/api/v1/alerts/rules', { name: 'never-loud', type: 'nan-loss', params: {}, severity: 'low' });
    const id = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'nan-loss', start: true })).body.session_id;
    await waitFor(() => hook.received.length >= 1, 'the alert at the webhook notifier');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(hook.received.map((event) => event.body.event)).toEqual(['alert_triggered']); // only high and above, only alerts
    expect(hook.received[0]!.body).toMatchObject({
      severity: 'critical',
      title: 'Alert: nan',
      runId: id,
      actions: expect.arrayContaining([{ label: 'Stop the run', command: `trainer run stop ${id}` }]),
    });
    const slackAlert = await waitFor(() => apis.slack.find((call) => call.form.text?.includes('loss is NaN')), 'the Slack alert');
    expect(slackAlert.form.blocks).toContain(`trainer run stop ${id}`);
    await t.api('POST', `/api/v1/training/${id}/stop`);
  });
});

describe('notification route validation', () => {
  it('refuses to start with an unknown notifier or a bad target', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trainer-routes-'));
    const configFile = join(dir, 'trainer.yaml');
    await writeFile(configFile, 'notification_routes:\n  - notifier: pager\n  - notifier: discord\n    target: { channel_id: "general" }\n');
    await expect(startTestAgent({ env: { TRAINER_CONFIG: configFile } })).rejects.toThrow(
      /notification_routes\[0\]: unknown notifier 'pager'.*notification_routes\[1\]\.target/,
    );
    await writeFile(configFile, 'notification_routes:\n  - notifier: log\n    min_severity: urgent\n');
    await expect(startTestAgent({ env: { TRAINER_CONFIG: configFile } })).rejects.toThrow(/notification_routes.*min_severity/);
  });
});
