import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_RECIPES, TRAINER_HOME, fmt, median, percentile, removeDir, runCommand, sleep, startBenchAgent, waitForEnd, type BenchAgent, type BenchResult } from './harness.js';

const SLURM_RECIPES = join(TRAINER_HOME, 'bench', 'recipes-slurm');
const LATENCY_JOBS = 3;
/** 200 by default; TRAINER_BENCH_SLURM_JOBS for a machine that cannot run that many in a minute or two. */
const MANY_JOBS = Number(process.env.TRAINER_BENCH_SLURM_JOBS ?? 200);
const POLL_SECONDS = 1;
const MANY_OUTPUT_POLL_MS = 500;
const MANY_TIMEOUT_MS = 150_000;

/** Closes the agent (its jobs go on, by design) and cancels the jobs its runs hold. */
async function closeAndCancel(bench: BenchAgent): Promise<void> {
  const jobIds = bench.agent.runs
    .list({ limit: 100_000, offset: 0 })
    .runs.filter((run) => run.state === 'running' || run.state === 'queued')
    .map((run) => String(run.handle?.job_id ?? ''))
    .filter((id) => id !== '');
  await bench.close();
  for (let i = 0; i < jobIds.length; i += 100) await runCommand('scancel', jobIds.slice(i, i + 100)).catch(() => '');
}

interface Counter {
  wrapper: string;
  file: string;
}

/** An squeue wrapper that counts its calls, so that the agent's polling is measured, not assumed. */
async function squeueCounter(dir: string): Promise<Counter> {
  const file = join(dir, 'squeue-calls');
  const wrapper = join(dir, 'squeue');
  await writeFile(file, '');
  await writeFile(wrapper, `#!/bin/sh\necho x >> '${file}'\nexec squeue "$@"\n`);
  await chmod(wrapper, 0o755);
  return { wrapper, file };
}

const countCalls = async (counter: Counter) => (await readFile(counter.file, 'utf8')).length / 2;

/** CPU seconds of this process and of the children it has waited for (squeue, sbatch, …), from /proc. */
async function cpuSeconds(): Promise<{ self: number; children: number }> {
  const fields = (await readFile('/proc/self/stat', 'utf8')).split(') ')[1]!.split(' ');
  const ticks = 100; // USER_HZ
  return { self: (Number(fields[11]) + Number(fields[12])) / ticks, children: (Number(fields[13]) + Number(fields[14])) / ticks };
}

async function agentWithSlurm(dir: string, counter: Counter, shared: boolean, outputPollMs: number): Promise<BenchAgent> {
  const configFile = join(dir, `trainer-${shared ? 'shared' : 'per-job'}-${outputPollMs}.json`);
  await writeFile(configFile, JSON.stringify({ plugins: { config: { 'backend:slurm': { poll_interval_seconds: POLL_SECONDS, output_poll_ms: outputPollMs, squeue: counter.wrapper, shared_squeue: shared } } } }));
  return startBenchAgent({ TRAINER_CONFIG: configFile, TRAINER_RECIPE_DIRS: `${BENCH_RECIPES},${SLURM_RECIPES}`, MAX_CONCURRENT_SESSIONS: '1000' });
}

/** ts of the first agent log line of a run matching `pattern`. */
function logTime(bench: BenchAgent, id: string, pattern: RegExp): Promise<number | null> {
  return bench.agent.runs.logs(id, { limit: 1000 }).then((page) => {
    const record = page.records.find((entry) => entry.stream === 'agent' && pattern.test(entry.message));
    return record ? Date.parse(record.ts) : null;
  });
}

/**
 * Slurm backend: (1) how long from the API call to the job running and to its first metric reaching
 * the agent, against the job's own clock; (2) 200 jobs followed at once with the shared squeue, every
 * state change and metric recorded, and what the polling costs, next to one squeue per job.
 */
export async function slurmBench(): Promise<BenchResult> {
  await runCommand('bash', [join(TRAINER_HOME, 'scripts', 'slurm', 'start-local-slurm.sh')]);
  const dir = await mkdtemp(join(tmpdir(), 'trainer-bench-slurm-'));
  const counter = await squeueCounter(dir);
  const notes: string[] = [];
  try {
    // (1) latency, one job at a time
    let bench = await agentWithSlurm(dir, counter, true, 100);
    const submitToSbatch: number[] = [];
    const submitToJobStart: number[] = [];
    const jobStartToRunningSeen: number[] = [];
    const printedToSeen: number[] = [];
    const submitToMetricSeen: number[] = [];
    try {
      for (let i = 0; i < LATENCY_JOBS; i++) {
        const submitted = Date.now();
        const { session_id: id } = await bench.api('POST', '/api/v1/training/sessions', { recipe: 'slurm-sleeper', params: { sleep_ms: 500 }, start: true });
        let first: { printed_ms: number; started_ms: number } | null = null;
        while (!first) {
          const latest = bench.agent.runs.get(id).current_epoch !== null ? await bench.agent.runs.latestMetrics(id) : null;
          if (latest && typeof latest.printed_ms === 'number') first = latest as unknown as { printed_ms: number; started_ms: number };
          else await sleep(5);
        }
        const seen = Date.now();
        await waitForEnd(bench, id, 60_000, 20);
        const sbatchDone = await logTime(bench, id, /^Submitted Slurm job/);
        const runningSeen = await logTime(bench, id, /is RUNNING/);
        if (sbatchDone) submitToSbatch.push(sbatchDone - submitted);
        submitToJobStart.push(first.started_ms - submitted);
        if (runningSeen) jobStartToRunningSeen.push(runningSeen - first.started_ms);
        printedToSeen.push(seen - first.printed_ms);
        submitToMetricSeen.push(seen - submitted);
      }
    } finally {
      await bench.close();
    }

    // (2) many jobs at once, shared squeue
    await writeFile(counter.file, '');
    bench = await agentWithSlurm(dir, counter, true, MANY_OUTPUT_POLL_MS);
    let sharedCalls = 0;
    let sharedCpu = { self: 0, children: 0 };
    let sharedSeconds = 0;
    let missed = 0;
    let wrong = 0;
    let unfinished = 0;
    try {
      const cpuBefore = await cpuSeconds();
      const started = Date.now();
      const ids: string[] = [];
      for (let i = 0; i < MANY_JOBS; i++) ids.push((await bench.api('POST', '/api/v1/training/sessions', { recipe: 'slurm-sh-sleeper', params: { sleep_s: 2, exit_code: i % 10 === 0 ? 3 : 0 }, start: true })).session_id);
      const ended = await Promise.all(ids.map((id) => waitForEnd(bench, id, MANY_TIMEOUT_MS, 200).catch(() => null)));
      sharedSeconds = (Date.now() - started) / 1000;
      const cpuAfter = await cpuSeconds();
      sharedCpu = { self: cpuAfter.self - cpuBefore.self, children: cpuAfter.children - cpuBefore.children };
      sharedCalls = await countCalls(counter);
      for (const [i, run] of ended.entries()) {
        if (!run) {
          unfinished++;
          continue;
        }
        const expected = i % 10 === 0 ? 'failed' : 'completed';
        if (run.state !== expected) wrong++;
        const running = await logTime(bench, run.id, /is RUNNING/);
        const history = await bench.agent.runs.metricHistory(run.id);
        if (running === null || history.length !== 2) missed++;
      }
    } finally {
      await closeAndCancel(bench);
    }

    // (3) the same number of jobs with one squeue per job and poll, for a fixed window (its cost, not its end)
    bench = await agentWithSlurm(dir, counter, false, MANY_OUTPUT_POLL_MS);
    let perJobRate = 0;
    let perJobCpuRate = 0;
    const windowSeconds = 5;
    try {
      for (let i = 0; i < MANY_JOBS; i++) await bench.api('POST', '/api/v1/training/sessions', { recipe: 'slurm-sh-sleeper', params: { sleep_s: 120 }, start: true });
      await sleep(2000); // every follower has started polling
      await writeFile(counter.file, '');
      const cpuBefore = await cpuSeconds();
      await sleep(windowSeconds * 1000);
      const cpuAfter = await cpuSeconds();
      perJobRate = (await countCalls(counter)) / windowSeconds;
      perJobCpuRate = (cpuAfter.self - cpuBefore.self + cpuAfter.children - cpuBefore.children) / windowSeconds;
    } finally {
      await closeAndCancel(bench);
    }

    const sharedRate = sharedCalls / sharedSeconds;
    const sharedCpuRate = (sharedCpu.self + sharedCpu.children) / sharedSeconds;
    notes.push(`Single-node Slurm, OverSubscribe=FORCE:8 on 2 CPUs: of ${MANY_JOBS} jobs (a shell that sleeps 2 s between two metric lines) at most 16 run at once, the rest PENDING; poll_interval_seconds ${POLL_SECONDS}, output_poll_ms ${MANY_OUTPUT_POLL_MS} (100 for the latency part).`);
    if (unfinished > 0) notes.push(`${unfinished} of ${MANY_JOBS} jobs had not ended after ${MANY_TIMEOUT_MS / 1000} s (cancelled): the figures cover the others.`);
    notes.push('Job start = the job script\'s own process start (performance.timeOrigin); "seen" = the agent\'s in-process latest metrics, polled every 5 ms.');
    notes.push(`CPU includes the squeue/sbatch/scontrol children the agent waited for (from /proc/self/stat), and the agent's own tailing of ${MANY_JOBS} runs' files.`);
    return {
      title: `Slurm: submit → running → first metric; ${MANY_JOBS} jobs followed with one shared squeue`,
      figures: [
        { name: 'API call → sbatch answered (median)', value: `${fmt(median(submitToSbatch), 0)} ms` },
        { name: 'API call → job process started (median, p100)', value: `${fmt(median(submitToJobStart), 0)} ms, ${fmt(percentile(submitToJobStart, 100), 0)} ms` },
        { name: 'job started → agent logs RUNNING (median)', value: `${fmt(median(jobStartToRunningSeen), 0)} ms` },
        { name: 'metric printed → seen by the agent (median, p100)', value: `${fmt(median(printedToSeen), 0)} ms, ${fmt(percentile(printedToSeen, 100), 0)} ms` },
        { name: 'API call → first metric seen (median)', value: `${fmt(median(submitToMetricSeen), 0)} ms` },
        { name: `${MANY_JOBS} jobs: all ended in`, value: `${fmt(sharedSeconds, 1)} s; wrong final state ${wrong}, missed RUNNING or metrics ${missed}, unfinished ${unfinished}` },
        { name: 'shared squeue: calls/s, agent CPU', value: `${fmt(sharedRate, 2)}/s (${sharedCalls} in all), ${fmt(sharedCpuRate * 100, 1)}% of a core` },
        { name: 'one squeue per job: calls/s, agent CPU (5 s window)', value: `${fmt(perJobRate, 1)}/s, ${fmt(perJobCpuRate * 100, 1)}% of a core` },
      ],
      ratio: { description: 'squeue calls, shared ÷ per job', value: sharedRate / perJobRate },
      target: { description: `every state change and metric of ${MANY_JOBS} jobs recorded, squeue calls ≤ 1/10 of one per job`, met: missed === 0 && wrong === 0 && unfinished === 0 && sharedRate <= perJobRate / 10 },
      notes,
    };
  } finally {
    await removeDir(dir);
  }
}
