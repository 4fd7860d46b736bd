/**
 * The slurm backend against a real single-node Slurm (scripts/slurm/start-local-slurm.sh): real sbatch,
 * squeue, scontrol, scancel, real jobs on this host with two GRES GPUs, a real agent.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findJobcompRecord } from '../../dist/plugins/backends/slurm/jobcomp-file.js';
import { removeDir, startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';
import { AGENT_START_TIMEOUT_MS, killHard, spawnAgentProcess, stopGracefully, type AgentProcess } from '../helpers/agent-process.js';
import { slurmAgentConfig, startLocalSlurm } from './local-slurm.js';

const slurm = await startLocalSlurm();
if (!slurm.ok) console.warn(`Slurm tests skipped: ${slurm.reason}`);
else console.info(slurm.output);

const JOBCOMP = '/var/lib/trainer-slurm/jobcomp.log';

describe.skipIf(!slurm.ok)('slurm backend on a real single-node Slurm', () => {
  afterAll(async () => {
    await slurm.stop();
  });

  describe('runs through a real agent', () => {
    let t: TestAgent;
    beforeAll(async () => {
      t = await startTestAgent({ env: { TRAINER_CONFIG: await slurmAgentConfig(), MAX_CONCURRENT_SESSIONS: '8' } });
    });
    afterAll(async () => {
      await t?.close();
    });

    const submit = async (recipe: string, params: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => {
      const response = await t.api('POST', '/api/v1/training/sessions', { recipe, params, start: true, ...extra });
      if (response.status !== 201) throw new Error(`submit ${recipe}: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body.session_id as string;
    };
    const logs = async (id: string): Promise<string[]> =>
      (await t.api('GET', `/api/v1/training/${id}/logs?limit=1000`)).body.map((entry: { message: string }) => entry.message);
    const jobIdOf = async (id: string) => /Submitted Slurm job (\d+)/.exec((await logs(id)).join('\n'))?.[1];

    it.concurrent('a job completes with its metrics streamed while it runs, every epoch in the history', async ({ expect }) => {
      const id = await submit('slurm-gated', { before: 4, after: 3, interval_ms: 30 });
      // streamed: the first epochs are there while the job waits for its release
      const midway = await waitFor(async () => {
        const status = (await t.api('GET', `/api/v1/training/${id}/status`)).body;
        return status.current_epoch === 4 ? status : null;
      }, 'epoch 4 while the job runs');
      expect(midway).toMatchObject({ state: 'running', backend: 'slurm', gpu_ids: [] });
      await writeFile(join(t.dataDir, 'runs', id, 'output', 'release'), '');

      const finished = await waitForState(t.api, id, ['completed', 'failed', 'stopped']);
      expect(finished).toMatchObject({ state: 'completed', exit_code: 0, end_reason: 'success', current_epoch: 7 });
      const history = (await t.api('GET', `/api/v1/training/${id}/history`)).body;
      expect(history.map((point: { epoch: number }) => point.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(history[6].loss).toBeCloseTo(1 / 7);

      const messages = await logs(id);
      const jobId = await jobIdOf(id);
      expect(messages).toContain('gated ticker: 7 epochs, CUDA_VISIBLE_DEVICES='); // no GPUs asked for: none visible
      expect(messages).toContain('Epoch 7/7 completed');
      expect(messages).toContain(`Slurm job ${jobId} is RUNNING`);
      expect(messages).toContain(`Slurm job ${jobId} ended with exit code 0`);
      expect(messages.some((message) => message.startsWith('{"epoch"'))).toBe(false); // metric lines are metrics, not log lines

      // the record the controller leaves in the jobcomp file, read as the fallback does once the controller forgets the job
      expect(await findJobcompRecord(JOBCOMP, jobId!, id)).toMatchObject({ state: 'COMPLETED', exitCode: 0, signal: 0, source: 'jobcomp' });
      expect(await findJobcompRecord(JOBCOMP, jobId!, 'sess_someone_else')).toBeNull();
    });

    it.concurrent('a job that exits non-zero fails with its exit code and last error line', async ({ expect }) => {
      const id = await submit('slurm-ticker', { epochs: 2, interval_ms: 50, exit_code: 3 });
      const finished = await waitForState(t.api, id, ['completed', 'failed', 'stopped']);
      expect(finished).toMatchObject({ state: 'failed', exit_code: 3, end_reason: 'code_error' });
      expect(finished.error_message).toMatch(/exited with code 3: ERROR ticker failing on purpose with code 3/);
      const jobId = await jobIdOf(id);
      expect(await findJobcompRecord(JOBCOMP, jobId!, id)).toMatchObject({ state: 'FAILED', exitCode: 3 });

      // the batch script: argv quoted and exec'ed; the recipe's backend_options as sbatch flags
      const script = await readFile(join(t.dataDir, 'runs', id, 'slurm-job.sh'), 'utf8');
      expect(script).toMatch(/^exec '.*node' '.*ticker\.mjs' '2' '50' '3'$/m);
      expect(script).toMatch(/^export TRAINER_RUN_ID='sess_\w+'$/m);
      expect((await logs(id)).find((message) => message.startsWith('Submitted'))).toMatch(
        /--partition=debug --time=10:00 --cpus-per-task=1 --mem=128M --job-name=sess_\w+ /,
      );
    });

    it.concurrent('stop: SIGTERM first, scancel after the grace period; the job ends CANCELLED and the run stopped', async ({ expect }) => {
      const id = await submit('slurm-stubborn');
      await waitFor(async () => (await logs(id)).includes('stubborn running'), 'the job to run');
      const stop = await t.api('POST', `/api/v1/training/${id}/stop`);
      expect(stop.status).toBe(200);
      const finished = await waitForState(t.api, id, ['completed', 'failed', 'stopped']);
      expect(finished).toMatchObject({ state: 'stopped', end_reason: 'stopped_by_user' });
      const messages = await logs(id);
      const jobId = await jobIdOf(id);
      expect(messages).toContain('got SIGTERM, ignoring it');
      expect(messages.some((message) => message.includes('still runs after the grace period: scancel'))).toBe(true);
      expect(messages.some((message) => /^slurmstepd\S*: error: \*\*\* JOB \d+ ON \S+ CANCELLED/.test(message))).toBe(true);
      expect(messages.some((message) => message.startsWith(`Slurm job ${jobId} ended CANCELLED`))).toBe(true);
    });

    it.concurrent('a 2-GPU run gets two GRES GPUs from Slurm although this machine has none', async ({ expect }) => {
      // the agent's own inventory (nvidia-smi) is empty: a local process run asking for 2 GPUs is refused...
      const local = await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: {}, gpus: 2, start: true });
      expect(local.status).toBe(422);
      // ...a Slurm run is not: Slurm allocates its GPUs
      const id = await submit('slurm-ticker', { epochs: 2, interval_ms: 50 }, { gpus: 2 });
      const finished = await waitForState(t.api, id, ['completed', 'failed', 'stopped']);
      expect(finished).toMatchObject({ state: 'completed', gpus: 2, gpu_ids: [] });
      expect(await logs(id)).toContain('ticker starting: 2 epochs, CUDA_VISIBLE_DEVICES=0,1');
      const script = await readFile(join(t.dataDir, 'runs', id, 'slurm-job.sh'), 'utf8');
      expect(script).not.toMatch(/^export CUDA_VISIBLE_DEVICES/m);
    });

    it.concurrent('argv values and env values reach the job literally: the batch script never interprets them', async ({ expect }) => {
      const word = `a b; touch /tmp/trainer-slurm-pwned $(id) \`id\` "q" 'single' \\ $HOME`;
      const id = await submit('slurm-echo-args', { word });
      await waitForState(t.api, id, ['completed']);
      const printed = (await logs(id)).find((message) => message.startsWith('[['));
      expect(JSON.parse(printed!)).toEqual([[word, "it's $HOME"], 'it\'s $HOME `id` "$(id)" \\ ;', join(t.dataDir, 'runs', id, 'output')]);
      expect(existsSync('/tmp/trainer-slurm-pwned')).toBe(false);
    });
  });

  // two agent processes, each allowed AGENT_START_TIMEOUT_MS on a loaded machine
  describe('agent restarts (kill -9) while Slurm jobs run', { timeout: 3 * AGENT_START_TIMEOUT_MS }, () => {
    const cleanups: (() => Promise<unknown>)[] = [];
    afterAll(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function agentOn(dataDir: string, configFile: string): Promise<AgentProcess> {
      const agent = await spawnAgentProcess(dataDir, { TRAINER_CONFIG: configFile, MAX_CONCURRENT_SESSIONS: '4', TRAINER_STOP_GRACE_SECONDS: '2' });
      cleanups.push(() => stopGracefully(agent));
      return agent;
    }

    it('a job keeps running without the agent; the next agent resumes its output with no gap or duplicate and finalizes it', async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'trainer-slurm-kill9-'));
      cleanups.push(() => removeDir(dataDir));
      const configFile = await slurmAgentConfig();
      const first = await agentOn(dataDir, configFile);
      const submit = async (params: Record<string, number>) =>
        (await first.api('POST', '/api/v1/training/sessions', { recipe: 'slurm-gated', params, start: true })).body.session_id as string;
      const running = await submit({ before: 5, after: 20, interval_ms: 100 });
      const failing = await submit({ before: 1, after: 1, interval_ms: 20, exit_code: 3 });
      const epochOf = async (id: string) => (await first.api('GET', `/api/v1/training/${id}/status`)).body.current_epoch;
      await waitFor(async () => (await epochOf(running)) === 5 && (await epochOf(failing)) === 1, 'both jobs to wait for their release');

      await killHard(first);
      const jobOutput = (id: string, stream: 'out' | 'err') => readFile(join(dataDir, 'runs', id, `slurm-job.${stream}`), 'utf8').catch(() => '');
      for (const id of [running, failing]) await writeFile(join(dataDir, 'runs', id, 'output', 'release'), '');
      // both go on with no agent: the failing one ends, the other prints more epochs
      await waitFor(async () => (await jobOutput(failing, 'err')).includes('ERROR gated ticker failing on purpose'), 'the failing job to end');
      await waitFor(async () => (await jobOutput(running, 'out')).includes('Epoch 8/25 completed'), 'epochs printed while no agent runs');

      const second = await agentOn(dataDir, configFile);
      const failed = await waitForState(second.api, failing, ['completed', 'failed', 'stopped']);
      expect(failed).toMatchObject({ state: 'failed', exit_code: 3, end_reason: 'code_error' });
      expect(failed.error_message).toMatch(/exited with code 3: ERROR gated ticker failing on purpose/);

      const finished = await waitForState(second.api, running, ['completed', 'failed', 'stopped']);
      expect(finished).toMatchObject({ state: 'completed', exit_code: 0, current_epoch: 25 });
      const epochs = (await second.api('GET', `/api/v1/training/${running}/history`)).body.map((point: { epoch: number }) => point.epoch);
      expect(epochs).toEqual(Array.from({ length: 25 }, (_, index) => index + 1));
      const messages = (await second.api('GET', `/api/v1/training/${running}/logs?limit=1000`)).body.map((entry: { message: string }) => entry.message);
      for (let epoch = 1; epoch <= 25; epoch++) expect(messages.filter((message: string) => message === `Epoch ${epoch}/25 completed`)).toHaveLength(1);
      expect(messages.some((message: string) => /^Re-attached to Slurm job \d+ after an agent restart$/.test(message))).toBe(true);
    });
  });
});
