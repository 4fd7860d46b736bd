import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir, waitFor, waitForState } from '../helpers/agent-harness.js';
import { AGENT_START_TIMEOUT_MS, killHard, spawnAgentProcess, stopGracefully, type AgentProcess } from '../helpers/agent-process.js';
import { SLACK_APP_TOKEN, SLACK_BOT_TOKEN, startSlackPlatform } from '../stand-ins/slack-platform.js';

const ann = { id: 'UANN', name: 'ann' };

/**
 * Issue 19: a chat thread's updates go through the agent's persistent outbox. Slack is down for the
 * whole middle of a chat-started run and the agent is killed with -9 meanwhile; after Slack returns,
 * every thread update and the completion arrive once, in order, in the run's thread.
 */
describe('chat thread updates across a Slack outage and kill -9', { timeout: 4 * AGENT_START_TIMEOUT_MS }, () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('delivers every thread update and the completion once, in order, after Slack returns', async () => {
    const slack = await startSlackPlatform();
    const dataDir = await mkdtemp(join(tmpdir(), 'trainer-chat-outage-'));
    cleanups.push(
      () => removeDir(dataDir),
      () => slack.close(),
    );
    const env = {
      SLACK_BOT_TOKEN,
      SLACK_APP_TOKEN,
      SLACK_API_URL: slack.apiUrl,
      SLACK_API_RETRIES: '0',
      SLACK_PING_TIMEOUT_MS: '2000',
      SLACK_ALLOWED_USERS: ann.id,
    };
    const agentOn = async (): Promise<AgentProcess> => {
      const agent = await spawnAgentProcess(dataDir, env);
      cleanups.push(() => stopGracefully(agent));
      return agent;
    };

    const first = await agentOn();
    await waitFor(() => slack.connected(), 'the bot to open its socket');
    const ack = (await slack.slashCommand('start ticker epochs=60 interval_ms=250', ann).acked) as { text: string };
    const id = /(sess_[0-9a-f]{12})/.exec(ack.text)![1]!;
    const root = await waitFor(() => slack.posts().find((call) => call.form.text?.startsWith(`Run ${id} queued`)), 'the root message');
    const inThread = () => slack.posts().filter((call) => call.form.thread_ts === root.ts);
    await waitFor(() => inThread().some((call) => call.form.text === `Run ${id} started`), 'the start in the thread');

    await slack.down({ webApi: true }); // all of Slack, for the whole middle of the run
    const postsBefore = slack.posts().length;
    // past the first progress milestone (epoch 15 of 60) while Slack is away
    await waitFor(async () => (await first.api('GET', `/api/v1/training/${id}/status`)).body.current_epoch >= 20, 'epoch 20');
    await killHard(first);

    const second = await agentOn();
    const finished = await waitForState(second.api, id, ['completed', 'failed', 'stopped']);
    expect(finished.state).toBe('completed');
    // the outbox lists newest first
    const waitingForSlack = async (): Promise<string[]> => {
      const body = (await second.api('GET', '/api/v1/notifications/deliveries?status=pending&limit=100')).body;
      return body.deliveries
        .filter((delivery: any) => delivery.notifier === 'chat:slack')
        .map((delivery: any) => delivery.message.event)
        .reverse();
    };
    const waiting = await waitFor(
      async () => ((await waitingForSlack()).at(-1) === 'training_completed' ? waitingForSlack() : null),
      'the completion in the outbox',
    );
    expect(waiting).toContain('training_progress');
    expect(slack.posts().length).toBe(postsBefore); // nothing got through while Slack was down

    slack.up();
    await waitFor(() => inThread().some((call) => call.form.text?.startsWith(`Run ${id} completed`)), 'the completion after Slack returns', 180_000);
    // give a duplicate the chance to show up: the outbox is empty once everything is delivered
    await waitFor(async () => {
      const body = (await second.api('GET', '/api/v1/notifications/deliveries?status=pending&limit=100')).body;
      return body.deliveries.length === 0;
    }, 'the outbox to empty');

    const texts = inThread().map((call) => call.form.text as string);
    expect(texts[0]).toBe(`Run ${id} started`);
    expect(texts.at(-1)).toMatch(new RegExp(`^Run ${id} completed`));
    expect(new Set(texts).size).toBe(texts.length); // each once
    const progress = texts.slice(1, -1);
    expect(progress.length).toBeGreaterThanOrEqual(1);
    const epochs = progress.map((text) => Number(/^epoch (\d+)\/60/.exec(text)?.[1]));
    expect(epochs.every((epoch) => epoch > 0 && epoch < 60)).toBe(true);
    expect(epochs).toEqual([...epochs].sort((a, b) => a - b)); // in order
    expect(new Set(epochs.map((epoch) => Math.floor(epoch / 15))).size).toBe(epochs.length); // one per milestone
    // everything about the run is in its thread, the root message once
    const aboutRun = slack.posts().filter((call) => call.form.text?.includes(id));
    expect(aboutRun.filter((call) => call.form.thread_ts === undefined).map((call) => call.form.text.split('\n')[0])).toEqual([
      expect.stringContaining(`Run ${id} queued`),
    ]);
    expect((await second.api('GET', `/api/v1/training/${id}/status`)).body.origin).toMatchObject({ platform: 'slack', channel: 'CTRAIN', thread: root.ts });
  });
});
