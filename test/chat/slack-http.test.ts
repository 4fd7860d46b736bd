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
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': headers.signature ?? sign(timestamp, body) },
      body,
    });
  };
  const slashBody = (text: string, user = 'UANN') => new URLSearchParams({ token: 'x', team_id: 'TTEAM', channel_id: 'CHTTP', channel_name: 'ml', user_id: user, user_name: user.toLowerCase(), command: '/train', text, response_url: `${slack.apiUrl.replace('/api/', '')}/respond/http`, trigger_id: 't' }).toString();

  beforeAll(async () => {
    slack = await startSlackPlatform();
    t = await startTestAgent({ env: { SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_MODE: 'http', SLACK_HTTP_PORT: '0', SLACK_API_URL: slack.apiUrl, SLACK_API_RETRIES: '0', SLACK_ALLOWED_USERS: 'UANN' } });
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
    await waitFor(() => slack.posts().some((call) => call.form.thread_ts === root.ts && call.form.text.startsWith(`Run ${id} completed`)), 'the completion in the thread');
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
