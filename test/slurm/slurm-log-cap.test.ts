/**
 * run_log_cap_mb on a real single-node Slurm (scripts/slurm/start-local-slurm.sh): a job that prints
 * more than the cap leaves at most the cap of log.jsonl + log.1.jsonl, the newest kept and the drop said.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, waitForState, type TestAgent } from '../helpers/agent-harness.js';
import { slurmAgentConfig, startLocalSlurm } from './local-slurm.js';

const CAP_MIB = 1;

const slurm = await startLocalSlurm();
if (!slurm.ok) console.warn(`Slurm tests skipped: ${slurm.reason}`);

describe.skipIf(!slurm.ok)('slurm backend: the run log cap', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent({ env: { TRAINER_CONFIG: await slurmAgentConfig(), TRAINER_RUN_LOG_CAP_MB: String(CAP_MIB) } });
  });
  afterAll(async () => {
    await t?.close();
    await slurm.stop();
  });

  it('8 MiB printed by a Slurm job leaves at most the cap on disk, rotated, the newest kept and the drop said', async () => {
    const created = await t.api('POST', '/api/v1/training/sessions', { recipe: 'slurm-log-flood', params: { mb: 8 }, start: true });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.session_id as string;
    expect(await waitForState(t.api, id, ['completed', 'failed', 'stopped'], 120_000)).toMatchObject({ state: 'completed' });
    const dir = join(t.dataDir, 'runs', id);
    const sizes = (await stat(join(dir, 'log.jsonl'))).size + (await stat(join(dir, 'log.1.jsonl'))).size;
    // each file may pass the half-cap by one batch before it rotates (the job's output is read from Slurm's
    // file 1 MiB at a time, a little more as JSON); without the cap all 8 MiB would be in log.jsonl
    expect(sizes).toBeLessThanOrEqual(CAP_MIB * 1024 * 1024 + 2.5 * 1024 * 1024);
    const lines = (await readFile(join(dir, 'log.jsonl'), 'utf8')).trimEnd().split('\n');
    const first = JSON.parse(lines[0]!) as { stream: string; message: string };
    expect(first).toMatchObject({ stream: 'agent', message: expect.stringMatching(/^… \d+ bytes dropped \(log cap 1 MiB\)/) });
    const tail = (await t.api('GET', `/api/v1/training/${id}/logs?limit=20`)).body.map((entry: { message: string }) => entry.message);
    expect(tail).toContain('flood done');
  });
});
