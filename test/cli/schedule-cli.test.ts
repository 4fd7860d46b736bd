import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, type TestAgent } from '../helpers/agent-harness.js';
import { cli } from './cli-helpers.js';

describe('trainer schedule', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent();
  });
  afterAll(async () => {
    await t.close();
  });

  it('adds, lists and removes a schedule', async () => {
    const added = await cli(t.url, ['schedule', 'add', 'ticker', '--cron', '0 3 * * *', '--tz', 'America/New_York', '-p', 'epochs=5', '--json']);
    expect(added.code).toBe(0);
    const schedule = JSON.parse(added.stdout);
    expect(schedule).toMatchObject({ recipe: 'ticker', cron: '0 3 * * *', timezone: 'America/New_York', overlap: 'skip', params: { epochs: 5 } });
    expect(schedule.next_fire_times[0]).toMatch(/T0[78]:00:00\.000Z$/); // 03:00 in New York: 08:00Z in winter, 07:00Z in summer
    const listed = await cli(t.url, ['schedule', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`${schedule.id}\\s+ticker\\s+0 3 \\* \\* \\*\\s+America/New_York\\s+skip`));
    const bad = await cli(t.url, ['schedule', 'add', 'ticker', '--cron', '0 3 * *']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/has 4 fields/);
    expect((await cli(t.url, ['schedule', 'rm', schedule.id])).stdout).toContain(`Schedule ${schedule.id} deleted`);
    expect((await cli(t.url, ['schedule', 'list'])).stdout).toContain('No schedules.');
    expect((await cli(t.url, ['schedule', 'rm', schedule.id])).code).toBe(4);
  });
});
