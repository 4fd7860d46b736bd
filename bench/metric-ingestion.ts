import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineSplitter } from '../plugins/backends/process/line-splitter.js';
import { OutputParser } from '../plugins/backends/process/output-parser.js';
import { RunOutputWriter } from '../src/store/run-output-writer.js';
import { fmt, type BenchResult } from './harness.js';

const LINES = 200_000;
const CHUNK = 64 * 1024;

/** Metric lines through the supervisor's pipeline (split → parse → append) against a bare split-and-JSON.parse loop. */
export async function metricIngestion(): Promise<BenchResult> {
  let text = '';
  for (let i = 0; i < LINES; i++) text += JSON.stringify({ epoch: i, loss: 1 / (i + 1), accuracy: i / LINES }) + '\n';
  const input = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < input.length; offset += CHUNK) chunks.push(input.subarray(offset, offset + CHUNK));

  const bare = () => {
    const started = performance.now();
    let pending = '';
    let parsed = 0;
    for (const chunk of chunks) {
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (JSON.parse(line)) parsed++;
    }
    return { ms: performance.now() - started, parsed };
  };

  const dir = await mkdtemp(join(tmpdir(), 'trainer-ingest-'));
  const pipeline = (round: number) => {
    const writer = new RunOutputWriter({ log: join(dir, `log-${round}.jsonl`), metrics: join(dir, `metrics-${round}.jsonl`), exit: join(dir, `exit-${round}.json`) });
    const splitter = new LineSplitter();
    const parser = new OutputParser();
    const started = performance.now();
    let points = 0;
    for (const chunk of chunks) {
      // exactly what the supervisor does with each chunk a pipe delivers
      const { logText, metricText, points: count } = parser.serializeBatch(splitter.push(chunk), 'stdout', new Date().toISOString());
      points += count;
      writer.appendMetricText(metricText);
      writer.appendLogText(logText);
    }
    writer.close();
    return { ms: performance.now() - started, points };
  };

  try {
    bare();
    pipeline(0); // warm-up
    const bareRuns = [bare(), bare(), bare()].map((run) => run.ms).sort((a, b) => a - b);
    const pipelineRuns = [pipeline(1), pipeline(2), pipeline(3)];
    const pipelineMs = pipelineRuns.map((run) => run.ms).sort((a, b) => a - b)[1]!;
    const bareMs = bareRuns[1]!;
    const ratio = bareMs / pipelineMs;
    return {
      title: 'Metric ingestion from a run’s stdout',
      figures: [
        { name: `supervisor pipeline (${LINES} JSON lines, 64 KiB chunks)`, value: `${fmt(LINES / (pipelineMs / 1000) / 1000)} k points/s (${fmt(pipelineMs)} ms; metric lines are not copied to the log)` },
        { name: 'bare read-and-JSON.parse loop', value: `${fmt(LINES / (bareMs / 1000) / 1000)} k lines/s (${fmt(bareMs)} ms)` },
        { name: 'points written', value: String(pipelineRuns[0]!.points) },
      ],
      target: { description: 'ingestion ≥ 50% of the bare loop', ratio, met: ratio >= 0.5 },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
