/**
 * The slurm backend's parts, without a Slurm: the batch script run by a real /bin/sh, the state
 * mapping, the recipe options, the jobcomp reader, the output tailer, the follower's decisions (with a
 * scripted client standing in for the controller's answers), and the agent's GPU policy for a backend
 * that manages its own GPUs. These run everywhere; slurm-backend.test.ts runs the real thing.
 */
import { execFileSync } from 'node:child_process';
import { appendFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderBatchScript, shellQuote, submitEnvironment } from '../../dist/plugins/backends/slurm/batch-script.js';
import { JobFollower, type FollowState } from '../../dist/plugins/backends/slurm/job-follower.js';
import { parseJobOptions, sbatchFlags } from '../../dist/plugins/backends/slurm/job-options.js';
import { exitRecordFor, type JobEnd } from '../../dist/plugins/backends/slurm/job-states.js';
import { findJobcompRecord } from '../../dist/plugins/backends/slurm/jobcomp-file.js';
import { JobOutputTailer } from '../../dist/plugins/backends/slurm/output-tailer.js';
import { parseFields, SlurmCommandError } from '../../dist/plugins/backends/slurm/slurm-client.js';
import { OutputParser } from '../../dist/src/plugins/output/output-parser.js';
import { createLogger } from '../../dist/src/logging/logger.js';
import { RunOutputWriter } from '../../dist/src/plugins/sdk.js';
import { startTestAgent, waitForState, type TestAgent } from '../helpers/agent-harness.js';
import { slurmAgentConfig } from './local-slurm.js';

const NASTY = [`a b; touch /tmp/trainer-slurm-pwned $(id) \`id\` "q"`, "it's", '$HOME', '\\', '', 'line\nbreak', '*', '-n', "'''", '${PATH}', '!x', '|&<>'];
const readLines = async (path: string) =>
  (await readFile(path, 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

describe('batch script', () => {
  it('passes every argv and env value to the program literally when /bin/sh runs it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trainer-slurm-script-'));
    const argv = [
      process.execPath,
      '-e',
      'console.log(JSON.stringify([process.argv.slice(1), process.env.NASTY, process.env.TRAINER_RUN_ID, process.env.CUDA_VISIBLE_DEVICES]))',
      ...NASTY,
    ];
    const script = renderBatchScript({
      runId: 'sess_1',
      recipe: 'r',
      argv,
      env: { TRAINER_RUN_ID: 'sess_1', NASTY: NASTY.join('|'), SECRET: 'not-in-the-script' },
      recipeEnv: { NASTY: NASTY.join('|') },
      gpus: 0,
      sbatchArgs: ['--job-name=sess_1'],
    });
    expect(script).not.toContain('not-in-the-script'); // the agent's own environment travels with sbatch, not in a file
    const path = join(dir, 'job.sh');
    await writeFile(path, script);
    const printed = JSON.parse(
      execFileSync('/bin/sh', [path], { env: { PATH: process.env.PATH, HOME: '/home/nobody', CUDA_VISIBLE_DEVICES: '3' } }).toString(),
    );
    expect(printed).toEqual([NASTY, NASTY.join('|'), 'sess_1', '']);
  });

  it('leaves CUDA_VISIBLE_DEVICES to Slurm when GPUs are asked for, and keeps it out of the submit environment', () => {
    const script = renderBatchScript({ runId: 'sess_1', recipe: 'r', argv: ['train'], env: {}, recipeEnv: {}, gpus: 2, sbatchArgs: [] });
    expect(script).not.toMatch(/^export CUDA_VISIBLE_DEVICES/m);
    expect(submitEnvironment({ CUDA_VISIBLE_DEVICES: '', PATH: '/bin' })).toEqual({ PATH: '/bin' });
  });

  it('refuses a variable name the shell cannot set', () => {
    expect(() => renderBatchScript({ runId: 's', recipe: 'r', argv: ['x'], env: {}, recipeEnv: { 'A-B': '1' }, gpus: 0, sbatchArgs: [] })).toThrow(
      /cannot set: "A-B"/,
    );
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
  });
});

describe('backend_options', () => {
  it('turn into sbatch flags, with the GPU count as --gres or --gpus', () => {
    const options = parseJobOptions({
      partition: 'gpu',
      account: 'ml-team',
      time_limit: '1-12:00',
      cpus_per_task: 8,
      mem: '64G',
      gpu_type: 'a100',
      constraint: 'ib&volta',
    });
    expect(sbatchFlags(options, 2)).toEqual([
      '--partition=gpu',
      '--account=ml-team',
      '--time=1-12:00',
      '--cpus-per-task=8',
      '--mem=64G',
      '--constraint=ib&volta',
      '--gres=gpu:a100:2',
    ]);
    expect(sbatchFlags(parseJobOptions({ gpu_option: 'gpus', time_limit: 90, mem: 4096 }), 4)).toEqual(['--time=90', '--mem=4096', '--gpus=4']);
    expect(sbatchFlags(parseJobOptions(undefined), 0)).toEqual([]);
  });

  it('are refused with every problem named', () => {
    expect(() => parseJobOptions({ partition: 'a b', time_limit: 'soon', cpus_per_task: 0, gpus: 2 })).toThrow(
      /Invalid backend_options for the slurm backend: partition: .*; time_limit: .*; cpus_per_task: .*; \(root\): Unrecognized key: "gpus"/,
    );
  });
});

describe('Slurm states → exit record', () => {
  const end = (state: string, exit: string, reason: string | null = null): JobEnd => {
    const [code, signal] = exit.split(':').map(Number);
    return { state, reason, exitCode: code!, signal: signal!, source: 'scontrol', endTime: null };
  };
  const record = (state: string, exit: string, reason: string | null = null, stop = false) => {
    const { ended_at: _endedAt, ...rest } = exitRecordFor('42', end(state, exit, reason), stop, new Date().toISOString());
    return rest;
  };

  it('maps each terminal state so that the executor classifies it', () => {
    expect(record('COMPLETED', '0:0', 'None')).toEqual({ exit_code: 0, signal: null, stop_requested: false, error: null });
    expect(record('FAILED', '3:0', 'NonZeroExitCode')).toEqual({ exit_code: 3, signal: null, stop_requested: false, error: null }); // → failed, code_error
    expect(record('FAILED', '0:9', 'JobLaunchFailure')).toEqual({ exit_code: null, signal: 'SIGKILL', stop_requested: false, error: null }); // → oom (an unrequested SIGKILL)
    expect(record('FAILED', '0:0', 'JobLaunchFailure').error).toBe('Slurm job 42 ended FAILED (reason: JobLaunchFailure): it failed');
    expect(record('CANCELLED', '0:15')).toMatchObject({ stop_requested: true }); // anyone's scancel → stopped
    expect(record('COMPLETED', '0:0', null, true)).toMatchObject({ exit_code: 0, stop_requested: true }); // exited cleanly on our SIGTERM → stopped
    expect(record('TIMEOUT', '0:15', 'TimeLimit')).toEqual({
      exit_code: null,
      signal: 'SIGTERM',
      stop_requested: false,
      error: 'Slurm job 42 ended TIMEOUT (reason: TimeLimit): it reached its time limit, killed by SIGTERM',
      cause: 'timeout',
    });
    expect(record('OUT_OF_MEMORY', '0:125')).toEqual({
      exit_code: null,
      signal: null,
      stop_requested: false,
      error: 'Slurm job 42 ended OUT_OF_MEMORY: it ran out of memory (ExitCode 0:125)',
      cause: 'oom',
    });
    expect(record('NODE_FAIL', '1:0', 'NodeDown').error).toBe(
      'Slurm job 42 ended NODE_FAIL (reason: NodeDown): it lost its node (node failure) (ExitCode 1:0)',
    );
    expect(record('PREEMPTED', '0:0').error).toBe('Slurm job 42 ended PREEMPTED: it was preempted');
    expect(record('BOOT_FAIL', '0:0').error).toMatch(/BOOT_FAIL: it could not start: its node failed to boot/);
    expect(record('DEADLINE', '0:0').error).toMatch(/DEADLINE: it missed its deadline/);
    expect([record('NODE_FAIL', '1:0').cause, record('PREEMPTED', '0:0').cause, record('BOOT_FAIL', '0:0').cause, record('DEADLINE', '0:0').cause]).toEqual([
      'node_fail',
      'preempted',
      'node_fail',
      'timeout',
    ]);
    expect(record('FAILED', '3:0').cause).toBeUndefined();
    expect(record('TIMEOUT', '0:15', 'TimeLimit', true).cause).toBeUndefined(); // stopped by us as it timed out: a stop
  });

  it('reads scontrol -o lines, values with spaces included', () => {
    const fields = parseFields(
      'JobId=7 JobName=sess_abc JobState=FAILED Reason=NonZeroExitCode ExitCode=3:0 Command=/data/runs/sess abc/slurm-job.sh 1 WorkDir=/data/my dir CPUs/Task=1 ReqB:S:C:T=0:0:*:*',
    );
    expect(fields).toMatchObject({
      JobId: '7',
      JobState: 'FAILED',
      ExitCode: '3:0',
      Command: '/data/runs/sess abc/slurm-job.sh 1',
      WorkDir: '/data/my dir',
      'CPUs/Task': '1',
      'ReqB:S:C:T': '0:0:*:*',
    });
  });
});

describe('jobcomp file', () => {
  it('finds the newest record of a job by id and name, reading backwards across chunks', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trainer-jobcomp-'));
    const file = join(dir, 'jobcomp.log');
    const line = (id: number, name: string, state: string, exit: string) =>
      `JobId=${id} UserId=root(0) GroupId=root(0) Name=${name} JobState=${state} Partition=debug TimeLimit=UNLIMITED StartTime=2026-01-01T00:00:00 EndTime=2026-01-01T00:00:05 NodeList=n1 NodeCnt=1 ProcCnt=1 WorkDir=/a dir/with spaces ReservationName= Tres=cpu=1 Account= QOS= WcKey= Cluster=c SubmitTime=2026-01-01T00:00:00 EligibleTime=2026-01-01T00:00:00 DerivedExitCode=0:0 ExitCode=${exit} \n`;
    let text = line(7, 'sess_a', 'NODE_FAIL', '0:0');
    for (let id = 100; id < 2000; id++) text += line(id, `other_${id}`, 'COMPLETED', '0:0');
    text += line(7, 'sess_a', 'FAILED', '2:0'); // the requeued attempt, later
    text += line(70, 'sess_b', 'TIMEOUT', '0:15');
    await writeFile(file, text);
    expect(text.length).toBeGreaterThan(200_000);
    expect(await findJobcompRecord(file, '7', 'sess_a')).toEqual({
      state: 'FAILED',
      reason: null,
      exitCode: 2,
      signal: 0,
      source: 'jobcomp',
      endTime: '2026-01-01T00:00:05',
    });
    expect(await findJobcompRecord(file, '100', 'other_100')).toMatchObject({ state: 'COMPLETED' }); // near the start: many chunks back
    expect(await findJobcompRecord(file, '70', 'sess_not_b')).toBeNull(); // a reused id is not ours
    expect(await findJobcompRecord(file, '100', 'other_100', 64 * 1024)).toBeNull(); // past the read limit
    expect(await findJobcompRecord(join(dir, 'missing.log'), '7', 'sess_a')).toBeNull();
  });
});

describe('output tailer', () => {
  it('consumes whole lines only, keeps Slurm lines apart, and takes the unterminated last line at the end', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trainer-tailer-'));
    const paths = { log: join(dir, 'log.jsonl'), metrics: join(dir, 'metrics.jsonl'), exit: join(dir, 'exit.json') };
    const writer = new RunOutputWriter(paths);
    const out = join(dir, 'job.out');
    const err = join(dir, 'job.err');
    const tailer = new JobOutputTailer({ out, err }, { out: 0, err: 0 }, new OutputParser(), writer);
    expect(await tailer.poll()).toBe(false); // nothing printed yet: no files

    await writeFile(out, 'starting\n{"epoch": 1, "loss": 0.5}\n{"epoch": 2, "lo');
    expect(await tailer.poll()).toBe(true);
    expect(tailer.offsets.out).toBe('starting\n{"epoch": 1, "loss": 0.5}\n'.length);
    await appendFile(out, 'ss": 0.25}\nslurmstepd-n1: error: *** JOB 7 ON n1 CANCELLED AT 2026-01-01T00:00:00 ***\nno newline');
    await writeFile(err, 'Traceback: boom\n');
    await tailer.poll();
    expect((await readLines(paths.metrics)).map((metric) => [metric.epoch, metric.loss])).toEqual([
      [1, 0.5],
      [2, 0.25],
    ]);
    await tailer.poll(true);
    writer.close();
    const logs = (await readLines(paths.log)).map((record) => [record.stream, record.level, record.message]);
    expect(logs).toEqual([
      ['stdout', 'INFO', 'starting'],
      ['agent', 'WARNING', 'slurmstepd-n1: error: *** JOB 7 ON n1 CANCELLED AT 2026-01-01T00:00:00 ***'],
      ['stderr', 'WARNING', 'Traceback: boom'],
      ['stdout', 'INFO', 'no newline'],
    ]);
  });

  it("reads the recipe's format, and a bar still being redrawn (not consumed) as the run's progress", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trainer-tailer-'));
    const paths = { log: join(dir, 'log.jsonl'), metrics: join(dir, 'metrics.jsonl'), exit: join(dir, 'exit.json') };
    const writer = new RunOutputWriter(paths);
    const out = join(dir, 'job.out');
    const err = join(dir, 'job.err');
    const tailer = new JobOutputTailer({ out, err }, { out: 0, err: 0 }, new OutputParser(undefined, false, 'keras'), writer);
    await writeFile(out, '{"loss": 9}\nEpoch 2/5\n\r 3/32 [==>...] - ETA: 1s - loss: 0.9\r 4/32 [===>..] - ETA: 1s - loss: 0.8\r 5/');
    await tailer.poll();
    expect(JSON.parse(await readFile(join(dir, 'progress.json'), 'utf8'))).toEqual({ epoch: 2, epochs: 5, n: 4, total: 32 });
    await appendFile(out, '32 [====>.] - ETA: 1s - loss: 0.7\r32/32 [======] - 1s 10ms/step - loss: 0.5 - val_loss: 0.4\n');
    await tailer.poll(true);
    writer.close();
    // forced to keras: the JSON line is not a metric
    expect(await readLines(paths.metrics)).toEqual([expect.objectContaining({ epoch: 2, loss: 0.5, val_loss: 0.4 })]);
    expect(JSON.parse(await readFile(join(dir, 'progress.json'), 'utf8'))).toEqual({ epoch: 2, epochs: 5, n: 32, total: 32 });
    expect((await readLines(paths.log)).map((record) => record.message)).toEqual(['{"loss": 9}', 'Epoch 2/5']);
  });
});

/** Answers the follower's questions from a script, as the controller, accounting and scancel would. */
class ScriptedSlurm {
  queue: ({ state: string; reason: string } | null | Error)[] = [];
  controller: JobEnd | null = null;
  accounting: JobEnd | null = null;
  calls: string[] = [];
  async queueState() {
    const next = this.queue.length > 1 ? this.queue.shift()! : this.queue[0]!;
    this.calls.push(`squeue:${next instanceof Error ? 'error' : (next?.state ?? 'gone')}`);
    if (next instanceof Error) throw next;
    return next;
  }
  async endFromController() {
    this.calls.push('scontrol');
    return this.controller;
  }
  async endFromAccounting() {
    this.calls.push('sacct');
    return this.accounting;
  }
  async signal(_job: string, signal: string) {
    this.calls.push(`scancel --signal=${signal}`);
  }
  async cancel() {
    this.calls.push('scancel');
  }
}

describe('job follower', () => {
  const logger = createLogger({ level: 'silent' });
  async function follow(
    slurm: ScriptedSlurm,
    state: Partial<FollowState> = {},
    jobcomp: string | null = null,
    timing = { pollIntervalMs: 10, outputPollMs: 5 },
  ) {
    const dir = await mkdtemp(join(tmpdir(), 'trainer-follower-'));
    const paths = { log: join(dir, 'log.jsonl'), metrics: join(dir, 'metrics.jsonl'), exit: join(dir, 'exit.json') };
    const writer = new RunOutputWriter(paths);
    const full: FollowState = {
      job_id: '7',
      job_name: 'sess_a',
      metrics_regex: null,
      log_metric_lines: false,
      out_offset: 0,
      err_offset: 0,
      stop_requested_at: null,
      stop_grace_ms: null,
      cancel_sent: false,
      ...state,
    };
    const tailer = new JobOutputTailer({ out: join(dir, 'o'), err: join(dir, 'e') }, { out: 0, err: 0 }, new OutputParser(), writer);
    const follower = new JobFollower(slurm as never, full, writer, tailer, { ...timing, jobcompFile: async () => jobcomp, goneProbesBeforeLost: 3 }, logger);
    follower.start();
    const exit = await follower.finished;
    const messages = (await readLines(paths.log)).map((record) => record.message as string);
    const saved = JSON.parse(await readFile(join(dir, 'slurm-follow.json'), 'utf8')) as FollowState;
    return { exit, messages, saved, onDisk: JSON.parse(await readFile(paths.exit, 'utf8')) };
  }

  it('takes the end from the controller while it knows the job', async () => {
    const slurm = new ScriptedSlurm();
    slurm.queue = [
      { state: 'PENDING', reason: 'Resources' },
      { state: 'RUNNING', reason: 'None' },
      { state: 'COMPLETING', reason: 'None' },
      { state: 'FAILED', reason: 'NonZeroExitCode' },
    ];
    slurm.controller = { state: 'FAILED', reason: 'NonZeroExitCode', exitCode: 3, signal: 0, source: 'scontrol', endTime: null };
    const { exit, messages, onDisk } = await follow(slurm);
    expect(exit).toMatchObject({ exit_code: 3, signal: null, stop_requested: false, error: null });
    expect(onDisk).toEqual(exit);
    expect(messages).toEqual([
      'Slurm job 7 is PENDING (Resources)',
      'Slurm job 7 is RUNNING',
      'Slurm job 7 is COMPLETING',
      'Slurm job 7 ended with exit code 3',
    ]);
  });

  it('falls back to accounting, then to the jobcomp file, once the controller has forgotten the job', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trainer-jobcomp-'));
    const jobcomp = join(dir, 'jobcomp.log');
    await writeFile(jobcomp, 'JobId=7 UserId=root(0) Name=sess_a JobState=TIMEOUT EndTime=2026-01-01T00:00:05 DerivedExitCode=0:0 ExitCode=0:15 \n');
    const slurm = new ScriptedSlurm();
    slurm.queue = [null];
    const { exit } = await follow(slurm, {}, jobcomp);
    expect(slurm.calls).toEqual(['squeue:gone', 'sacct']);
    expect(exit).toMatchObject({ exit_code: null, signal: 'SIGTERM', error: 'Slurm job 7 ended TIMEOUT: it reached its time limit, killed by SIGTERM' });
    expect(exit.ended_at).toBe(new Date('2026-01-01T00:00:05').toISOString()); // long over: Slurm's own end time
  });

  it('reports a job that left no record anywhere as lost, after a few probes', async () => {
    const slurm = new ScriptedSlurm();
    slurm.queue = [null];
    const { exit } = await follow(slurm);
    expect(slurm.calls.filter((call) => call === 'squeue:gone')).toHaveLength(3);
    expect(exit).toMatchObject({
      exit_code: null,
      stop_requested: false,
      error: expect.stringMatching(/no longer known to the controller, and neither accounting \(sacct\) nor a jobcomp file has its record/),
    });
  });

  it('rides out a controller that does not answer, and says so in the run log', async () => {
    const slurm = new ScriptedSlurm();
    slurm.queue = [
      new SlurmCommandError('squeue -j 7 failed: Unable to contact slurm controller (connect failure)', false),
      { state: 'RUNNING', reason: 'None' },
      { state: 'COMPLETED', reason: 'None' },
    ];
    slurm.controller = { state: 'COMPLETED', reason: 'None', exitCode: 0, signal: 0, source: 'scontrol', endTime: null };
    // every pass probes the controller (as on a loaded machine, where the output poll sleeps past the probe interval)
    const { exit, messages } = await follow(slurm, {}, null, { pollIntervalMs: 1, outputPollMs: 5 });
    expect(exit).toMatchObject({ exit_code: 0, error: null });
    expect(messages.slice(0, 3)).toEqual([
      'Cannot follow Slurm job 7 right now (retrying): squeue -j 7 failed: Unable to contact slurm controller (connect failure)',
      'Following Slurm job 7 again',
      'Slurm job 7 is RUNNING',
    ]);
  });

  it('escalates a stop that an earlier agent asked for once its grace period is over, and records it as a stop', async () => {
    const slurm = new ScriptedSlurm();
    slurm.queue = [
      { state: 'RUNNING', reason: 'None' },
      { state: 'RUNNING', reason: 'None' },
      { state: 'CANCELLED', reason: 'None' },
    ];
    slurm.controller = { state: 'CANCELLED', reason: 'None', exitCode: 0, signal: 9, source: 'scontrol', endTime: null };
    const { exit, saved } = await follow(slurm, { stop_requested_at: new Date(Date.now() - 60_000).toISOString(), stop_grace_ms: 10_000 });
    expect(slurm.calls.filter((call) => call === 'scancel')).toHaveLength(1);
    expect(saved.cancel_sent).toBe(true);
    expect(exit).toMatchObject({ stop_requested: true, signal: 'SIGKILL' });
  });
});

describe('GPU policy for a backend that manages its own GPUs (no Slurm needed)', () => {
  let t: TestAgent;
  beforeAll(async () => {
    const configFile = await slurmAgentConfig({ sbatch: '/nonexistent/sbatch' });
    t = await startTestAgent({ env: { TRAINER_CONFIG: configFile, MAX_CONCURRENT_SESSIONS: '4' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('does not hold a Slurm run to this machine GPUs nor give it local GPU ids; a local run still is', async () => {
    // this machine has no GPUs (no nvidia-smi): a process run asking for 2 is refused at submission
    const local = await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: {}, gpus: 2, start: true });
    expect(local.status).toBe(422);
    expect(local.body.detail).toBe('The run asks for 2 GPUs, but this machine has 0');
    // a Slurm run is accepted and launched with no local GPU ids (here sbatch is missing: a clear launch error)
    const submitted = await t.api('POST', '/api/v1/training/sessions', { recipe: 'slurm-ticker', params: {}, gpus: 2, start: true });
    expect(submitted.status).toBe(201);
    const failed = await waitForState(t.api, submitted.body.session_id, ['failed', 'completed']);
    expect(failed).toMatchObject({ state: 'failed', end_reason: 'launch_error', gpus: 2, gpu_ids: [] });
    expect(failed.error_message).toMatch(
      /Plugin backend:slurm failed in start: \/nonexistent\/sbatch .*--gres=gpu:2 .*: \/nonexistent\/sbatch: no such command \(ENOENT\)/,
    );
  });

  it('fails a run whose backend_options are bad, naming them', async () => {
    const submitted = await t.api('POST', '/api/v1/training/sessions', { recipe: 'slurm-bad-options', start: true });
    const failed = await waitForState(t.api, submitted.body.session_id, ['failed', 'completed']);
    expect(failed).toMatchObject({ state: 'failed', end_reason: 'launch_error' });
    expect(failed.error_message).toBe(
      'Plugin backend:slurm failed in start: Invalid backend_options for the slurm backend: time_limit: a Slurm time limit: minutes, "HH:MM:SS", "D-HH:MM" or UNLIMITED; (root): Unrecognized key: "memory"',
    );
  });
});
