/**
 * The recipe's stop_signal through a real single-node Slurm (scripts/slurm/start-local-slurm.sh): the
 * stop sends it to the batch step with `scancel --full --signal=…`, before any scancel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';
import { slurmAgentConfig, startLocalSlurm } from './local-slurm.js';

const slurm = await startLocalSlurm();
if (!slurm.ok) console.warn(`Slurm tests skipped: ${slurm.reason}`);

describe.skipIf(!slurm.ok)('slurm backend: the recipe stop signal', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent({ env: { TRAINER_CONFIG: await slurmAgentConfig() } });
  });
  afterAll(async () => {
    await t?.close();
    await slurm.stop();
  });

  it('a recipe with stop_signal SIGINT gets SIGINT, saves and exits within its grace: stopped, no scancel', async () => {
    const id = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'slurm-sigint', params: {}, start: true })).body.session_id as string;
    const logs = async (): Promise<string[]> =>
      (await t.api('GET', `/api/v1/training/${id}/logs?limit=1000`)).body.map((entry: { message: string }) => entry.message);
    await waitFor(async () => (await logs()).includes('interruptible running'), 'the job to run', 120_000);
    expect((await t.api('POST', `/api/v1/training/${id}/stop`)).status).toBe(200);
    const finished = await waitForState(t.api, id, ['completed', 'failed', 'stopped'], 120_000);
    expect(finished).toMatchObject({ state: 'stopped', end_reason: 'stopped_by_user' });
    const messages = await waitFor(async () => {
      const all = await logs();
      return all.includes('got SIGINT, saving and exiting') ? all : null;
    }, 'the job to say it saved');
    expect(messages.some((message) => /^Stop requested: SIGINT to Slurm job \d+ \(scancel --full --signal=INT\), scancel in 60000 ms/.test(message))).toBe(
      true,
    );
    expect(messages).not.toContain('got SIGTERM, ignoring it');
    expect(messages.some((message) => message.includes('still runs after the grace period'))).toBe(false);
  });
});
