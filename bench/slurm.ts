/**
 * The Slurm backend against the project's single-node Slurm (scripts/slurm/start-local-slurm.sh).
 * (1) Where the time goes from `POST …/sessions` to the first metric on the agent's stream, set
 * against the job's own timestamps (Slurm's SubmitTime/StartTime and the time the job printed its
 * metric). (2) 200 jobs followed at once: every run must end in the state its job ended in, with
 * the number of `squeue` calls (a counting wrapper) and the agent's CPU while following.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BENCH_KEY, fmt, median, removeDir, sleep, startBenchAgent, TRAINER_HOME, type BenchAgent, type BenchResult } from './harness.js';

const run = promisify(execFile);

const JOBS = Number(process.env.TRAINER_BENCH_SLURM_JOBS ?? 200);
const LATENCY_ROUNDS = Number(process.env.TRAINER_BENCH_SLURM_ROUNDS ?? 6);
const POLL_INTERVAL_S = 2;
const OUTPUT_POLL_MS = 500;

async function startSlurm(): Promise<string | null> {
  try {
    await run('bash', [join(TRAINER_HOME, 'scripts/slurm/start-local-slurm.sh')], { timeout: 180_000 });
    return null;
  } catch (error) {
    return `Slurm could not be started here: ${(error as { stderr?: string }).stderr?.trim() || (error as Error).message}`;
  }
}

/** The first `metrics` event of a run's SSE stream: when it arrived, and the job's own stamp in it. */
async function firstMetric(bench: BenchAgent, id: string): Promise<{ arrivedAt: number; printedAt: number }> {
  const response = await fetch(`${bench.url}/api/v1/sse/training/${id}`, { headers: { authorization: `Bearer ${BENCH_KEY}` } });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream of ${id} ended without a metric`);
      text += decoder.decode(value, { stream: true });
      const match = /event: metrics\ndata: (.*)\n/.exec(text);
      if (match) return { arrivedAt: Date.now(), printedAt: Number(JSON.parse(match[1]!).printed_at) };
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** The first line of a run's log matching `pattern`: when it was written, and the Slurm job id it names. */
const logLine = async (bench: BenchAgent, id: string, pattern: RegExp) => {
  const logs = await bench.api('GET', `/api/v1/training/${id}/logs?limit=1000`);
  const entry = (logs as { timestamp: string; message: string }[]).find((candidate) => pattern.test(candidate.message));
  return { at: entry ? Date.parse(entry.timestamp) : NaN, jobId: /Slurm job (\d+)/.exec(entry?.message ?? '')?.[1] ?? null };
};

/** Slurm's own SubmitTime and StartTime of a job (local time, 1 s resolution), in ms. */
async function slurmTimes(jobId: string): Promise<{ submit: number; start: number }> {
  const { stdout } = await run('scontrol', ['show', 'job', '-o', jobId]);
  const time = (name: string) => Date.parse(new RegExp(`${name}=(\\S+)`).exec(stdout)?.[1] ?? '');
  return { submit: time('SubmitTime'), start: time('StartTime') };
}

async function latencyRounds(bench: BenchAgent) {
  const rounds: { sbatch: number; slurmQueue: number; running: number; metric: number }[] = [];
  for (let round = 0; round < LATENCY_ROUNDS; round++) {
    const posted = Date.now();
    const { session_id: id } = await bench.api('POST', '/api/v1/training/sessions', { recipe: 'slurm-stamp', params: { sleep_ms: 1500 }, start: true });
    const metric = await firstMetric(bench, id);
    await waitForEnd(bench, [id]);
    const submitted = await logLine(bench, id, /^Submitted Slurm job/);
    const runningLog = await logLine(bench, id, /is RUNNING/);
    const times = submitted.jobId ? await slurmTimes(submitted.jobId) : { submit: NaN, start: NaN };
    rounds.push({
      sbatch: submitted.at - posted,
      slurmQueue: times.start - times.submit,
      running: runningLog.at - metric.printedAt,
      metric: metric.arrivedAt - metric.printedAt,
    });
  }
  return rounds;
}

async function waitForEnd(bench: BenchAgent, ids: readonly string[], timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const open = new Set(ids);
  while (open.size > 0) {
    for (const id of open) if (['completed', 'failed', 'stopped', 'cancelled'].includes(bench.agent.runs.get(id).state)) open.delete(id);
    if (Date.now() > deadline) throw new Error(`${open.size} runs never ended`);
    await sleep(100);
  }
}

async function manyJobs(bench: BenchAgent, squeueCalls: () => Promise<number>) {
  const expected = new Map<string, number>();
  const cpuBefore = process.cpuUsage();
  const callsBefore = await squeueCalls();
  const started = Date.now();
  for (let index = 0; index < JOBS; index++) {
    const exitCode = index % 10 === 0 ? 3 : 0;
    const { session_id: id } = await bench.api('POST', '/api/v1/training/sessions', {
      recipe: 'slurm-stamp',
      params: { sleep_ms: 1000 + ((index * 37) % 2000), exit_code: exitCode },
      start: true,
    });
    expected.set(id, exitCode);
  }
  await waitForEnd(bench, [...expected.keys()]);
  const seconds = (Date.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const calls = (await squeueCalls()) - callsBefore;
  let wrong = 0;
  let withMetrics = 0;
  const examples: string[] = [];
  for (const [id, exitCode] of expected) {
    const runInfo = bench.agent.runs.get(id);
    if (runInfo.state !== (exitCode === 0 ? 'completed' : 'failed') || runInfo.exit_code !== exitCode) {
      wrong++;
      if (examples.length < 3)
        examples.push(`${id}: expected exit ${exitCode}, got ${runInfo.state} (exit ${runInfo.exit_code}, ${runInfo.end_reason}): ${runInfo.error_message}`);
    }
    if (runInfo.current_epoch === 2) withMetrics++;
  }
  return { seconds, calls, wrong, withMetrics, examples, cpuPercent: ((cpu.user + cpu.system) / 1000 / (seconds * 1000)) * 100 };
}

export async function slurm(): Promise<BenchResult> {
  const title = `Slurm: submit → running → first metric, and ${JOBS} jobs followed at once`;
  const problem = await startSlurm();
  // nothing measured is a failure, not a figure: run-all reports FAILED and exits 1
  if (problem) throw new Error(`${title}: not measured. ${problem}`);
  const work = await mkdtemp(join(tmpdir(), 'trainer-slurm-bench-'));
  const counter = join(work, 'squeue-calls');
  const wrapper = join(work, 'squeue');
  await writeFile(counter, '');
  await writeFile(wrapper, `#!/bin/sh\necho >> '${counter}'\nexec squeue "$@"\n`);
  await chmod(wrapper, 0o755);
  const configFile = join(work, 'trainer.json');
  await writeFile(
    configFile,
    JSON.stringify({ plugins: { config: { 'backend:slurm': { squeue: wrapper, poll_interval_seconds: POLL_INTERVAL_S, output_poll_ms: OUTPUT_POLL_MS } } } }),
  );
  const bench = await startBenchAgent({ TRAINER_CONFIG: configFile, MAX_CONCURRENT_SESSIONS: String(JOBS + 10) });
  const squeueCalls = async () => (await readFile(counter, 'utf8')).length;
  try {
    const rounds = await latencyRounds(bench);
    const many = await manyJobs(bench, squeueCalls);
    const perJobPolling = (JOBS / POLL_INTERVAL_S) * many.seconds;
    return {
      title,
      figures: [
        { name: `POST → sbatch answered (agent's log), median of ${rounds.length}`, value: `${fmt(median(rounds.map((r) => r.sbatch)), 0)} ms` },
        { name: "Slurm's own SubmitTime → StartTime (1 s resolution), median", value: `${fmt(median(rounds.map((r) => r.slurmQueue)) / 1000, 0)} s` },
        {
          name: "job printed its first metric → on the agent's SSE stream, median / max",
          value: `${fmt(median(rounds.map((r) => r.metric)), 0)} / ${fmt(Math.max(...rounds.map((r) => r.metric)), 0)} ms`,
        },
        { name: 'job printed its first metric → agent logs RUNNING, median', value: `${fmt(median(rounds.map((r) => r.running)), 0)} ms` },
        { name: `${JOBS} jobs (1–3 s each, 1 in 10 exits 3): all ended in`, value: `${fmt(many.seconds, 1)} s` },
        { name: "runs whose end differs from their job's (state or exit code)", value: `${many.wrong} of ${JOBS}` },
        { name: "runs that saw both of their job's metrics", value: `${many.withMetrics} of ${JOBS}` },
        {
          name: 'squeue calls while following (shared query)',
          value: `${many.calls} (${fmt(many.calls / many.seconds, 2)}/s; one per job per poll would be ~${fmt(perJobPolling, 0)})`,
        },
        { name: 'agent + benchmark process CPU while following', value: `${fmt(many.cpuPercent, 1)} % of a core` },
      ],
      ratio: { description: 'runs ending wrong', value: many.wrong },
      target: { description: `${JOBS} jobs followed without missing a state change`, met: many.wrong === 0 && many.withMetrics === JOBS },
      notes: [
        `Poll intervals as configured by default: squeue every ${POLL_INTERVAL_S} s (answers shared up to half of that), output files every ${OUTPUT_POLL_MS} ms: the metric latency is bounded by the output poll, RUNNING by the squeue poll.`,
        'The single-node Slurm runs 16 jobs at a time (2 CPUs, OverSubscribe=FORCE:8), so most of the 200 wait PENDING and are followed all the same.',
        ...many.examples,
      ],
    };
  } finally {
    await bench.close();
    await removeDir(work);
  }
}
