import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir, startTestAgent, waitFor, type TestAgent } from '../helpers/agent-harness.js';
import { SLACK_APP_TOKEN, SLACK_BOT_TOKEN, startSlackPlatform } from '../stand-ins/slack-platform.js';

/** Issue 5 routing: a run started from chat keeps reporting to its thread after the agent restarts. */
describe('chat origin across a restart', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('posts the end of a run in the thread it started in, after a restart', async () => {
    const slack = await startSlackPlatform();
    const dataDir = await mkdtemp(join(tmpdir(), 'trainer-chat-restart-'));
    cleanup.push(
      () => removeDir(dataDir),
      () => slack.close(),
    );
    const env = {
      SLACK_BOT_TOKEN,
      SLACK_APP_TOKEN,
      SLACK_API_URL: slack.apiUrl,
      SLACK_API_RETRIES: '0',
      SLACK_PING_TIMEOUT_MS: '2000',
      SLACK_ALLOWED_USERS: 'UANN',
    };

    const first = await startTestAgent({ dataDir, env });
    await waitFor(() => slack.connected(), 'the first bot');
    const ack = (await slack.slashCommand('start ticker epochs=30 interval_ms=100', { id: 'UANN', name: 'ann' }).acked) as { text: string };
    const id = /(sess_[0-9a-f]{12})/.exec(ack.text)![1]!;
    await waitFor(() => first.agent.runs.get(id).origin?.thread && first.agent.runs.get(id).state === 'running', 'the thread to be recorded');
    const thread = first.agent.runs.get(id).origin!.thread!;
    await first.agent.close(); // the training process goes on without the agent

    const connections = slack.connections();
    const second: TestAgent = await startTestAgent({ dataDir, env });
    cleanup.push(() => second.close());
    await waitFor(() => slack.connections() > connections, 'the second bot');
    const end = await waitFor(() => slack.posts().find((call) => call.form.text?.startsWith(`Run ${id} completed`)), 'the completion message', 60_000);
    expect(end.form).toMatchObject({ channel: 'CTRAIN', thread_ts: thread });
  }, 90_000);
});
