import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineSplitter } from '../src/plugins/output/line-splitter.js';
import { OutputParser } from '../src/plugins/output/output-parser.js';
import type { Run } from '../src/domain/run.js';
import { foldSummary, MetricIndex, type MetricSummary } from '../src/store/metric-index.js';
import { RunOutputWriter } from '../src/store/run-output-writer.js';
import { RunPaths } from '../src/store/run-paths.js';
import { StateStore } from '../src/store/state-store.js';
import { fmt, median, percentile, removeDir, startBenchAgent, type BenchResult } from './harness.js';

const RUNS = 10_000;
const QUERIES = 30;
const LINES = 200_000;
const ROUNDS = 7;
const RECIPES = ['demo-mlp', 'bert-finetune', 'resnet50', 'tfjs-iris', 'llama-lora'];

/** A completed run as the executor leaves it: final metrics, params, an experiment for some. */
function completedRun(index: number): Run {
  const ended = new Date(Date.UTC(2026, 0, 1) + index * 60_000).toISOString();
  const accuracy = 0.5 + ((index * 7919) % 5000) / 10_000;
  return {
    id: `sess_${index.toString(16).padStart(12, '0')}`,
    name: `sweep-${index}`,
    tags: ['bench'],
    recipe: RECIPES[index % RECIPES.length]!,
    backend: 'process',
    params: { learning_rate: 0.001 * (1 + (index % 10)), batch_size: 32, epochs: 20, optimizer: 'adam' },
    gpus: 0,
    gpu_ids: [],
    priority: 0,
    state: 'completed',
    seq: index + 1,
    created_at: ended,
    queued_at: ended,
    started_at: ended,
    ended_at: ended,
    current_epoch: 20,
    total_epochs: 20,
    exit_code: 0,
    end_reason: 'success',
    error_message: null,
    stop_requested: false,
    handle: null,
    slot: 1,
    experiment_id: index % 3 === 0 ? 'exp_bench' : null,
    final_metrics: { val_accuracy: accuracy, val_loss: 1 - accuracy, loss: 1.1 - accuracy, learning_rate: 0.001 },
  };
}

/**
 * Seed 004's leaderboard over 10,000 completed runs (written through the state store, not by running
 * them), through the API; and what folding metric summaries costs at ingestion, against the plain path.
 */
export async function leaderboard(): Promise<BenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'trainer-bench-leaderboard-'));
  try {
    const databasePath = join(dir, 'db.json');
    const store = await StateStore.open(databasePath);
    const seeded = performance.now();
    // one write of the whole document: addRun per run would rewrite it 10,000 times
    await store.addRuns(Array.from({ length: RUNS }, (_, index) => completedRun(index)));
    const seedMs = performance.now() - seeded;

    const bench = await startBenchAgent({ DATABASE_PATH: databasePath });
    let queryTimes: number[] = [];
    let filteredTimes: number[] = [];
    let top: { value: number }[] = [];
    try {
      const ask = async (path: string) => {
        const started = performance.now();
        const body = await bench.api('GET', path);
        return { ms: performance.now() - started, body };
      };
      await ask('/api/v1/leaderboard?metric=val_accuracy&mode=max'); // warm-up
      for (let i = 0; i < QUERIES; i++) {
        const { ms, body } = await ask('/api/v1/leaderboard?metric=val_accuracy&mode=max');
        queryTimes.push(ms);
        top = Array.isArray(body) ? body : body.entries;
      }
      for (let i = 0; i < QUERIES; i++)
        filteredTimes.push((await ask('/api/v1/leaderboard?metric=val_loss&mode=min&recipe=resnet50&experiment=exp_bench&limit=100')).ms);
    } finally {
      await bench.close();
    }
    if (top.length !== 20 || top[0]!.value < top[19]!.value) throw new Error(`unexpected leaderboard: ${JSON.stringify(top.slice(0, 3))}`);
    const queryMs = median(queryTimes);

    const summary = await summaryOverhead(dir);
    return {
      title: `Leaderboard over ${RUNS.toLocaleString('en')} completed runs; metric-summary ingestion overhead`,
      figures: [
        { name: `seeding ${RUNS.toLocaleString('en')} runs through the state store`, value: `${fmt(seedMs, 0)} ms` },
        {
          name: `GET /leaderboard?metric=val_accuracy&mode=max (median of ${QUERIES})`,
          value: `${fmt(queryMs, 2)} ms (p95 ${fmt(percentile(queryTimes, 95), 2)} ms)`,
        },
        {
          name: '  filtered by recipe and experiment, limit 100',
          value: `${fmt(median(filteredTimes), 2)} ms (p95 ${fmt(percentile(filteredTimes, 95), 2)} ms)`,
        },
        {
          name: `ingestion of ${LINES.toLocaleString('en')} lines, without summaries (pipeline + index)`,
          value: `${fmt(summary.pipelineMs + summary.plainIndexMs)} ms (median of ${ROUNDS})`,
        },
        { name: '  with summaries folded in, same lines, same round', value: `${fmt(summary.pipelineMs + summary.summaryIndexMs)} ms` },
        { name: '  supervisor pipeline (split, parse, append)', value: `${fmt(summary.pipelineMs)} ms` },
        { name: '  index build without / with summaries', value: `${fmt(summary.plainIndexMs)} / ${fmt(summary.summaryIndexMs)} ms` },
        { name: '  per round: with ÷ without − 1', value: summary.overheads.map((value) => `${value >= 0 ? '+' : ''}${fmt(value * 100, 1)} %`).join(', ') },
        { name: '  folding alone, timed over the same values', value: `${fmt(summary.foldMs)} ms` },
      ],
      ratio: {
        description: 'ingestion with summaries ÷ without − 1 (median of rounds)',
        value: summary.overhead,
        unit: '%',
        beside: `leaderboard median ${fmt(queryMs, 1)} ms`,
      },
      target: { description: 'leaderboard < 50 ms and summaries ≤ 10 % of ingestion', met: queryMs < 50 && summary.overhead <= 0.1 },
      notes: [
        'The leaderboard ranks the final_metrics each run kept when it ended: one pass over the runs in memory, no metric file is read.',
        'Side by side: each round builds the index of one pipeline output twice, with and without summaries (MetricIndex { summaries: false }), alternating which goes first; the per-round ratios show the noise.',
      ],
    };
  } finally {
    await removeDir(dir);
  }
}

/**
 * Ingestion of LINES metric lines with and without the summaries, side by side: each round runs the
 * supervisor's pipeline once, then builds the columnar index of its output twice, with summaries folded
 * in and without (alternating which goes first), each into a fresh index. Folding alone is timed too.
 */
async function summaryOverhead(
  dir: string,
): Promise<{ pipelineMs: number; plainIndexMs: number; summaryIndexMs: number; overhead: number; overheads: number[]; foldMs: number }> {
  let text = '';
  for (let i = 0; i < LINES; i++)
    text +=
      JSON.stringify({
        epoch: i,
        loss: Number((1 / (1 + i / 1000) + (i % 7) / 100).toFixed(6)),
        accuracy: Number((i / LINES).toFixed(6)),
        val_loss: Number((1.1 / (1 + i / 1000)).toFixed(6)),
      }) + '\n';
  const input = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < input.length; offset += 64 * 1024) chunks.push(input.subarray(offset, offset + 64 * 1024));
  const values = text
    .split('\n')
    .filter(Boolean)
    .map((line) => Object.entries(JSON.parse(line) as Record<string, number>).filter(([name]) => name !== 'epoch'));

  const pipelineTimes: number[] = [];
  const plainTimes: number[] = [];
  const summaryTimes: number[] = [];
  const overheads: number[] = [];
  const foldTimes: number[] = [];
  for (let round = -1; round < ROUNDS; round++) {
    const runsDir = join(dir, `runs-${round}`);
    const paths = new RunPaths(runsDir);
    const runId = 'sess_000000000001';
    const copyId = 'sess_000000000002';
    await mkdir(paths.dir(runId), { recursive: true });
    await mkdir(paths.dir(copyId), { recursive: true });
    await writeFile(paths.log(runId), '');

    let started = performance.now();
    const writer = new RunOutputWriter({ log: paths.log(runId), metrics: paths.metrics(runId), exit: paths.exit(runId) });
    const splitter = new LineSplitter();
    const parser = new OutputParser();
    let points = 0;
    for (const chunk of chunks) {
      const lines = splitter.push(chunk);
      if (lines.length === 0) continue;
      const batch = parser.serializeBatch(lines, 'stdout', new Date().toISOString());
      points += batch.points;
      writer.appendMetricText(batch.metricText);
      writer.appendLogText(batch.logText);
    }
    writer.close();
    const pipelineMs = performance.now() - started;
    if (points !== LINES) throw new Error(`the pipeline stored ${points} of ${LINES} points`);
    await copyFile(paths.metrics(runId), paths.metrics(copyId));

    /** The index built from scratch over the same metrics file, with or without summaries. */
    const build = async (summaries: boolean) => {
      const id = summaries ? runId : copyId;
      const index = new MetricIndex(paths, { summaries });
      const begun = performance.now();
      await index.refresh(id);
      const ms = performance.now() - begun;
      const summary = await index.summary(id);
      if (summaries ? summary.loss?.count !== LINES : Object.keys(summary).length > 0)
        throw new Error(`unexpected summaries (${summaries ? 'on' : 'off'}): ${JSON.stringify(summary.loss)}`);
      return ms;
    };
    let plainMs: number;
    let summaryMs: number;
    if (round % 2 === 0) {
      plainMs = await build(false);
      summaryMs = await build(true);
    } else {
      summaryMs = await build(true);
      plainMs = await build(false);
    }

    started = performance.now();
    const folded: Record<string, MetricSummary> = {};
    for (const record of values) for (const [name, value] of record) foldSummary(folded, name, value);
    const foldMs = performance.now() - started;
    if (folded.loss!.count !== LINES) throw new Error('folding missed values');

    await rm(runsDir, { recursive: true, force: true });
    if (round < 0) continue; // warm-up
    pipelineTimes.push(pipelineMs);
    plainTimes.push(plainMs);
    summaryTimes.push(summaryMs);
    overheads.push((pipelineMs + summaryMs) / (pipelineMs + plainMs) - 1);
    foldTimes.push(foldMs);
  }
  return {
    pipelineMs: median(pipelineTimes),
    plainIndexMs: median(plainTimes),
    summaryIndexMs: median(summaryTimes),
    overhead: median(overheads),
    overheads,
    foldMs: median(foldTimes),
  };
}
