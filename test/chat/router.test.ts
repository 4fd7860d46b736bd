import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, waitForState, type TestAgent } from '../helpers/agent-harness.js';

/** The platform-neutral router against a real agent: the same services as REST, no bot connected. */
describe('chat command router', () => {
  let t: TestAgent;
  const ann = { platform: 'slack' as const, userId: 'UANN', userName: 'ann', channelId: 'CTRAIN', roles: [] as string[] };
  const bob = { ...ann, userId: 'UBOB', userName: 'bob' };
  const router = () => t.agent.chat.router;

  beforeAll(async () => {
    t = await startTestAgent({ env: { SLACK_ALLOWED_USERS: 'UANN', MAX_CONCURRENT_SESSIONS: '1' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers help with every command', async () => {
    const answer = await router().handleText(ann, 'help');
    for (const command of [
      'start <recipe>',
      'stop <run>',
      'status [run]',
      'list [state]',
      'logs <run>',
      'metrics <run>',
      'queue',
      'gpus',
      'alerts',
      'ack <alert>',
      'silence <rule|run>',
      'recipes',
      'top [metric]',
    ]) {
      expect(answer.text).toContain(`/train ${command}`);
    }
    expect((await router().handleText(ann, 'help stop')).text).toContain('Needs the allow-list');
  });

  it('suggests close recipe names for an unknown recipe and starts nothing', async () => {
    const answer = await router().handleText(ann, 'start tickr epochs=2');
    expect(answer.tone).toBe('error');
    expect(answer.text).toMatch(/No recipe 'tickr'\. Did you mean `ticker`/);
    const sessions = await t.api('GET', '/api/v1/training/sessions');
    expect(sessions.body).toEqual([]); // a bare array (seed 000): nothing was created
    expect(t.agent.runs.list({ limit: 10, offset: 0 }).total).toBe(0);
  });

  it('refuses a user outside the allow-list, starts nothing, and audits the refusal', async () => {
    const answer = await router().handleText(bob, 'start ticker epochs=2');
    expect(answer).toMatchObject({ ephemeral: true, tone: 'error' });
    expect(answer.text).toMatch(/not on the slack allow-list/);
    expect(t.agent.runs.list({ limit: 10, offset: 0 }).total).toBe(0);
    const audit = (await t.api('GET', '/api/v1/audit')).body.entries;
    expect(audit[0]).toMatchObject({ via: 'slack', action: 'chat.start', result: 'refused', actor: 'bob (UBOB)' });
  });

  it('starts a run with its origin, resolves abbreviated ids, and stops it', async () => {
    const answer = await router().handleText(ann, 'start ticker epochs=500 interval_ms=50', { thread: null });
    expect(answer.tone).toBe('success');
    const id = /Run (sess_[0-9a-f]{12})/.exec(answer.title)![1]!;
    expect(t.agent.runs.get(id)).toMatchObject({
      recipe: 'ticker',
      params: { epochs: 500, interval_ms: 50 },
      origin: { platform: 'slack', channel: 'CTRAIN', user: 'UANN', thread: null },
    });
    expect(answer.buttons).toEqual([{ action: 'stop', value: id, label: 'Stop run', style: 'danger' }]);

    const queued = await router().handleText(ann, 'start ticker epochs=1');
    const second = /Run (sess_[0-9a-f]{12})/.exec(queued.title)![1]!;
    expect(queued.title).toContain('queued (position 1)');

    await waitForState(t.api, id, ['running']);
    const status = await router().handleText(bob, `status ${id.slice(5, 10)}`);
    expect(status.title).toBe(`Run ${id}`);
    expect(status.fields).toEqual(expect.arrayContaining([{ name: 'State', value: 'running' }]));
    const ambiguous = await router().handleText(bob, 'status sess_');
    expect(ambiguous.text).toMatch(/'sess_' matches 2 runs .*type more of the id/);
    expect((await router().handleText(bob, 'status ffffffffffff0')).text).toMatch(/No run 'ffffffffffff0'/);

    const stopped = await router().handleButton(ann, 'stop', id);
    expect(stopped.title).toMatch(new RegExp(`Run ${id} (stopped|is stopping)`));
    await waitForState(t.api, id, ['stopped']);
    await waitForState(t.api, second, ['completed']);
    const audit = (await t.api('GET', '/api/v1/audit?limit=5')).body.entries;
    expect(audit[0]).toMatchObject({ via: 'slack', action: 'chat.stop', target: id, result: 'ok', actor: 'ann (UANN)', details: { channel: 'CTRAIN' } });
  });

  it('lists runs, the queue, recipes and the leaderboard', async () => {
    expect((await router().handleText(bob, 'list stopped')).title).toBe('1 stopped run');
    expect((await router().handleText(bob, 'queue')).text).toBe('The queue is empty.');
    expect((await router().handleText(bob, 'recipes')).text).toContain('`ticker`');
    const top = await router().handleText(bob, 'top loss');
    expect(top.title).toBe('Top runs by loss (lowest first)');
    expect(top.text).toMatch(/^1\. `sess_/);
    expect((await router().handleText(bob, 'gpus')).title).toMatch(/GPU/);
    expect((await router().handleText(bob, 'alerts')).text).toBe('No open alerts.');
  });
});
