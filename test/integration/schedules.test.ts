import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startTestAgent, waitFor, type TestAgent } from '../helpers/agent-harness.js';

const EVERY_SECOND = '* * * * * *';

const runsOf = async (t: TestAgent, scheduleId: string) =>
  (await t.api('GET', '/api/v1/training/sessions?limit=1000')).body.filter(
    (session: { status: { schedule_id: string | null } }) => session.status.schedule_id === scheduleId,
  );

describe('schedules', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent({ env: { MAX_CONCURRENT_SESSIONS: '4' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses a bad cron expression, time zone, recipe or parameter with 422 naming it', async () => {
    const create = (body: Record<string, unknown>) => t.api('POST', '/api/v1/schedules', { recipe: 'ticker', cron: '0 * * * *', ...body });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ cron: '61 * * * *' }, /cron: minute/],
      [{ cron: '* * *' }, /has 3 fields/],
      [{ timezone: 'Mars/Olympus_Mons' }, /not an IANA time zone/],
      [{ recipe: 'no-such-recipe' }, /'no-such-recipe' does not exist/],
      [{ params: { epochs: 0 } }, /parameter 'epochs' must be at least 1/],
      [{ overlap: 'sometimes' }, /overlap/],
    ];
    for (const [body, detail] of cases) {
      const response = await create(body);
      expect(response.status, JSON.stringify(body)).toBe(422);
      expect(response.body.detail).toMatch(detail);
    }
    expect((await t.api('GET', '/api/v1/schedules')).body.schedules).toEqual([]);
  });

  it("shows the next fire times in the schedule's time zone", async () => {
    const created = await t.api('POST', '/api/v1/schedules', { recipe: 'ticker', cron: '30 9 * * *', timezone: 'Asia/Tokyo' });
    expect(created.status).toBe(201);
    const times: string[] = created.body.next_fire_times;
    expect(times).toHaveLength(5);
    for (const time of times) expect(time).toMatch(/T00:30:00\.000Z$/); // 09:30 in Tokyo (UTC+9, no DST)
    expect(Date.parse(times[0]!)).toBeGreaterThan(Date.now());
    expect(Date.parse(times[1]!) - Date.parse(times[0]!)).toBe(24 * 3600 * 1000);
    expect((await t.api('GET', `/api/v1/schedules/${created.body.id}`)).body).toMatchObject({
      id: created.body.id,
      cron: '30 9 * * *',
      timezone: 'Asia/Tokyo',
      overlap: 'skip',
      runs_started: 0,
    });
    expect((await t.api('DELETE', `/api/v1/schedules/${created.body.id}`)).status).toBe(200);
    expect((await t.api('GET', `/api/v1/schedules/${created.body.id}`)).status).toBe(404);
  });

  it('each fire starts a normal run that records the schedule; a deleted schedule fires no more', async () => {
    const created = await t.api('POST', '/api/v1/schedules', {
      name: 'nightly-ish',
      recipe: 'ticker',
      params: { epochs: 1, interval_ms: 10 },
      cron: EVERY_SECOND,
      overlap: 'queue',
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const runs = await waitFor(async () => {
      const found = await runsOf(t, id);
      return found.length >= 2 && found.some((run: { status: { state: string } }) => run.status.state === 'completed') ? found : null;
    }, 'two runs from the schedule');
    expect(runs[0]).toMatchObject({ session_name: 'nightly-ish', config: { epochs: 1, interval_ms: 10 } });
    const listed = await waitFor(
      async () =>
        (await t.api('GET', '/api/v1/schedules')).body.schedules.find(
          (schedule: { id: string; runs_started: number }) => schedule.id === id && schedule.runs_started >= 2,
        ),
      'the schedule to count its runs',
    );
    expect((await runsOf(t, id)).map((run: { session_id: string }) => run.session_id)).toContain(listed.last_run_id);
    await t.api('DELETE', `/api/v1/schedules/${id}`);
    const afterDelete = (await runsOf(t, id)).length;
    await new Promise((resolve) => setTimeout(resolve, 2500)); // two more seconds' worth of fires, had it been kept
    expect((await runsOf(t, id)).length).toBe(afterDelete);
  });

  it('overlap skip: no second run while the last one still runs; the skipped fires are counted', async () => {
    const created = await t.api('POST', '/api/v1/schedules', {
      recipe: 'ticker',
      params: { epochs: 100000, interval_ms: 100 },
      cron: EVERY_SECOND,
      overlap: 'skip',
    });
    const id = created.body.id;
    const schedule = await waitFor(async () => {
      const { body } = await t.api('GET', `/api/v1/schedules/${id}`);
      return body.fires_skipped >= 2 ? body : null;
    }, 'two skipped fires');
    expect(schedule.runs_started).toBe(1);
    expect(await runsOf(t, id)).toHaveLength(1);
    await t.api('DELETE', `/api/v1/schedules/${id}`);
    await t.api('POST', `/api/v1/training/${schedule.last_run_id}/stop`);
  });
});

describe('schedules across an agent restart', () => {
  it('are persisted and fire again under the next agent', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'trainer-schedules-'));
    let t = await startTestAgent({ dataDir });
    try {
      const id = (await t.api('POST', '/api/v1/schedules', { recipe: 'ticker', params: { epochs: 1, interval_ms: 10 }, cron: EVERY_SECOND, overlap: 'queue' }))
        .body.id;
      await waitFor(async () => (await runsOf(t, id)).length >= 1, 'a first run');
      await t.close();
      t = await startTestAgent({ dataDir });
      const before = (await runsOf(t, id)).length;
      expect((await t.api('GET', `/api/v1/schedules/${id}`)).body).toMatchObject({ id, cron: EVERY_SECOND, overlap: 'queue' });
      await waitFor(async () => (await runsOf(t, id)).length > before, 'a run fired by the second agent');
    } finally {
      await t.close();
      await removeDir(dataDir);
    }
  });
});
