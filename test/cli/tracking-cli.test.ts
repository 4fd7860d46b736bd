import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, type TestAgent } from '../helpers/agent-harness.js';
import { cli } from './cli-helpers.js';

// A CI script tracking an evaluation it runs itself: create, report, complete, with the real CLI.
describe('trainer run track | report | complete', () => {
  let t: TestAgent;
  const run = (...args: string[]) => cli(t.url, args);

  beforeAll(async () => {
    t = await startTestAgent();
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates a tracking run, reports metrics into it and completes it', async () => {
    const created = await run('run', 'track', '--name', 'nightly-eval', '-p', 'model=resnet', '--epochs', '2', '--json');
    expect(created.code).toBe(0);
    const id = JSON.parse(created.stdout).session_id as string;
    expect((await t.api('GET', `/api/v1/training/${id}/status`)).body).toMatchObject({ state: 'running', tracking_only: true });

    expect(await run('run', 'report', id, 'loss=0.5', 'accuracy=0.8', '--epoch', '1')).toMatchObject({
      code: 0,
      stdout: `Reported loss, accuracy into ${id}\n`,
    });
    await run('run', 'report', id, 'loss=0.25', 'accuracy=0.9', '--epoch', '2');
    const done = await run('run', 'complete', id, '--json');
    expect(JSON.parse(done.stdout)).toMatchObject({ session_id: id, status: 'completed', final_metrics: { loss: 0.25, accuracy: 0.9 } });
  });

  it('refuses bad metrics before sending anything, and a failed run keeps its message', async () => {
    const id = JSON.parse((await run('run', 'track', '--json')).stdout).session_id as string;
    const bad = await run('run', 'report', id, 'loss=abc');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("A metric is name=number, got 'loss=abc'");
    expect((await run('run', 'report', id)).stderr).toContain('Give at least one metric');
    expect((await run('run', 'track', '-p', 'oops')).stderr).toContain("--param takes key=value, got 'oops'");
    const failed = await run('run', 'complete', id, '--failed', '--message', 'eval crashed');
    expect(failed.stdout).toBe(`Run ${id} failed: eval crashed\n`);
    // an ordinary run cannot be completed by its client
    expect((await run('run', 'complete', 'sess_000000000000')).code).not.toBe(0);
  });
});
