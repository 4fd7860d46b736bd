import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';
import { SLACK_BOT_TOKEN, startSlackPlatform } from '../stand-ins/slack-platform.js';

const SECRET = 'slack-signing-secret-test';
const sign = (timestamp: number, body: string, secret = SECRET) => 'v0=' + createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');

/** Real Bolt in HTTP mode: every request signed with the signing secret, within five minutes of now. */
describe('Slack bot (HTTP mode)', () => {
  let slack: Awaited<ReturnType<typeof startSlackPlatform>>;
  let t: TestAgent;
  let url: string;

  const post = (body: string, headers: { timestamp?: number; signature?: string } = {}) => {
    const timestamp = headers.timestamp ?? Math.floor(Date.now() / 1000);
    return fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': headers.signature ?? sign(timestamp, body),
      },
      body,
    });
  };
  const slashBody = (text: string, user = 'UANN') =>
    new URLSearchParams({
      token: 'x',
      team_id: 'TTEAM',
      channel_id: 'CHTTP',
      channel_name: 'ml',
      user_id: user,
      user_name: user.toLowerCase(),
      command: '/train',
      text,
      response_url: `${slack.apiUrl.replace('/api/', '')}/respond/http`,
      trigger_id: 't',
    }).toString();

  beforeAll(async () => {
    slack = await startSlackPlatform();
    t = await startTestAgent({
      env: {
        SLACK_BOT_TOKEN,
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_MODE: 'http',
        SLACK_HTTP_PORT: '0',
        SLACK_API_URL: slack.apiUrl,
        SLACK_API_RETRIES: '0',
        SLACK_ALLOWED_USERS: 'UANN',
      },
    });
    url = t.agent.chat.slack!.httpUrl!;
    await waitFor(async () => (await post(slashBody('help'))).status === 200, 'the Slack bot to be ready');
  });
  afterAll(async () => {
    await t?.close();
    await slack?.close();
  });

  it('answers a signed slash command in the HTTP response and threads the run it starts', async () => {
    const response = await post(slashBody('start ticker epochs=2 interval_ms=20'));
    expect(response.status).toBe(200);
    const ack = await response.json();
    expect(ack.response_type).toBe('ephemeral');
    const id = /(sess_[0-9a-f]{12})/.exec(ack.text)![1]!;
    await waitForState(t.api, id, ['completed']);
    const root = await waitFor(() => slack.posts().find((call) => call.form.text?.startsWith(`Run ${id} queued`)), 'the root message');
    expect(root.form.channel).toBe('CHTTP');
    await waitFor(
      () => slack.posts().some((call) => call.form.thread_ts === root.ts && call.form.text.startsWith(`Run ${id} completed`)),
      'the completion in the thread',
    );
  });

  it('stops a run with a signed button press', async () => {
    const ack = await (await post(slashBody('start ticker epochs=1000 interval_ms=50'))).json();
    const id = /(sess_[0-9a-f]{12})/.exec(ack.text)![1]!;
    await waitForState(t.api, id, ['running']);
    const payload = {
      type: 'block_actions',
      user: { id: 'UANN', username: 'ann', name: 'ann', team_id: 'TTEAM' },
      api_app_id: 'AAPP',
      token: 'x',
      container: { type: 'message', message_ts: '1.2', channel_id: 'CHTTP', is_ephemeral: false },
      trigger_id: 't',
      team: { id: 'TTEAM', domain: 'team' },
      channel: { id: 'CHTTP', name: 'ml' },
      response_url: `${slack.apiUrl.replace('/api/', '')}/respond/http-button`,
      actions: [{ type: 'button', block_id: 'b', action_id: 'train_stop_0', text: { type: 'plain_text', text: 'Stop run' }, value: id, action_ts: '1' }],
    };
    expect((await post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString())).status).toBe(200);
    await waitForState(t.api, id, ['stopped']);
    const answer = await waitFor(() => slack.responses.find((response) => response.path === '/respond/http-button'), 'the answer to the press');
    expect(answer.body.text).toMatch(new RegExp(`Run ${id} (stopped|is stopping)`));
  });

  it('refuses a bad signature, a stale timestamp and a future one, and starts nothing', async () => {
    const body = slashBody('start ticker epochs=2');
    const now = Math.floor(Date.now() / 1000);
    const before = t.agent.runs.list({ limit: 1, offset: 0 }).total;
    expect((await post(body, { signature: sign(now, body, 'wrong-secret') })).status).toBe(401);
    expect((await post(body, { timestamp: now - 10 * 60 })).status).toBe(401);
    expect((await post(body, { timestamp: now + 10 * 60 })).status).toBe(401);
    expect(t.agent.runs.list({ limit: 1, offset: 0 }).total).toBe(before);
  });
});
