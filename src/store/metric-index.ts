import { createHash } from 'node:crypto';
import { appendFile, mkdir, open, readFile, readdir, rename, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { lttbIndices } from '../domain/downsample.js';
import { metricNumber, type MetricRecord } from '../domain/run-records.js';
import type { RunPaths } from './run-paths.js';

/** One row per metric record: its position, epoch, step and time (NaN where absent). */
const ROW_FLOATS = 4;
/** Indexed per turn of the event loop: about 10,000 lines, a few milliseconds of parsing. */
const CHUNK = 1024 * 1024;
/** Above this many points, columns are read whole rather than cell by cell. */
const READ_WHOLE_ABOVE = 4096;
/** Records built per turn of the event loop. */
const BUILD_SLICE = 2000;

/**
 * A metric is three column files of float64: `.p` record positions, `.x` the chart's x (step ??
 * epoch ?? position) and `.v` values — so downsampling reads only x and v, viewed in place.
 */
const COLUMNS = ['p', 'x', 'v'] as const;

export interface SeriesQuery {
  startEpoch?: number;
  endEpoch?: number;
  maxPoints?: number;
  /** Only the last this many (after the epoch filter). */
  last?: number;
}

interface IndexMeta {
  /** How far into metrics.jsonl the index reaches (whole lines only). */
  offset: number;
  records: number;
  names: Record<string, string>;
  /** Floats in each column file that the meta vouches for: anything past them is a crash's leftover. */
  counts: Record<string, number>;
  /** Running statistics per metric, updated as lines are indexed (never by rereading the history). */
  summary: Record<string, MetricSummary>;
}

export interface MetricSummary {
  current: number | string;
  min: number | null;
  max: number | null;
  mean: number | null;
  count: number;
  /** Values that were NaN or ±Infinity: counted, left out of min, max and mean. */
  non_finite: number;
}

/**
 * A columnar index of a run's metrics.jsonl, built lazily and incrementally: a query first indexes
 * whatever was appended since the last one (whoever appended it, the agent up or not), then reads one
 * metric's binary column instead of parsing every JSON line. For a million points that is a few
 * tens of megabytes read against a full parse.
 */
export class MetricIndex {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly paths: RunPaths,
    /** `summaries: false` leaves the running statistics out: only to measure what they cost (bench/leaderboard.ts). */
    private readonly options: { summaries?: boolean } = {},
  ) {}

  /** Per metric: current, min, max, mean, count — from the index's running statistics. */
  async summary(runId: string): Promise<Record<string, MetricSummary>> {
    return this.locked(runId, async () => (await this.update(runId)).summary ?? {});
  }

  /** Indexes what was appended since the last call. */
  async refresh(runId: string): Promise<void> {
    await this.locked(runId, () => this.update(runId));
  }

  /**
   * One metric's history, filtered by epoch and downsampled (LTTB) to `maxPoints`: reads the metric's
   * column, and the per-record rows only when an epoch filter needs them or for the points returned.
   */
  async query(runId: string, metricName: string, query: SeriesQuery): Promise<MetricRecord[]> {
    return this.locked(runId, async () => {
      const meta = await this.update(runId);
      const file = meta.names[metricName];
      if (!file) return [];
      const column = (name: (typeof COLUMNS)[number]) => readFloats(join(this.dir(runId), `${file}.${name}`));
      const [xs, values] = await Promise.all([column('x'), column('v')]);
      const count = values.length;
      const rowsPath = join(this.dir(runId), 'rows.f64');
      let positions: Float64Array | null = null;
      let kept: ArrayLike<number> | null = null;
      if (query.startEpoch !== undefined || query.endEpoch !== undefined) {
        const [rows, allPositions] = await Promise.all([readFloats(rowsPath), column('p')]);
        positions = allPositions;
        const selected: number[] = [];
        for (let i = 0; i < count; i++) {
          const epoch = rows[positions[i]! * ROW_FLOATS + 1]!;
          if ((query.startEpoch === undefined || epoch >= query.startEpoch) && (query.endEpoch === undefined || epoch <= query.endEpoch)) selected.push(i);
        }
        kept = selected;
      }
      if (query.last !== undefined && (kept ? kept.length : count) > query.last) {
        kept = kept ? Array.from(kept).slice(-query.last) : Array.from({ length: query.last }, (_, k) => count - query.last! + k);
      }
      const keptCount = kept ? kept.length : count;
      let chosen: number[];
      if (query.maxPoints !== undefined && keptCount > query.maxPoints) {
        let chartX: ArrayLike<number> = xs;
        let chartY: ArrayLike<number> = values;
        if (kept) {
          const subset = kept;
          chartX = Float64Array.from(subset, (i) => xs[i]!);
          chartY = Float64Array.from(subset, (i) => values[i]!);
        }
        const finiteY = new Float64Array(keptCount);
        for (let k = 0; k < keptCount; k++) finiteY[k] = Number.isFinite(chartY[k]!) ? chartY[k]! : 0;
        chosen = lttbIndices(chartX, finiteY, query.maxPoints).map((index) => (kept ? kept[index]! : index));
      } else {
        chosen = kept ? Array.from(kept) : Array.from({ length: count }, (_, i) => i);
      }
      // many points: two whole reads beat tens of thousands of 8-byte positioned reads
      const whole = chosen.length > READ_WHOLE_ABOVE;
      positions ??= whole ? await column('p') : null;
      const chosenPositions = positions
        ? chosen.map((i) => positions![i]!)
        : (await readAt(join(this.dir(runId), `${file}.p`), chosen, 1)).map((cell) => cell[0] ?? -1);
      const allRows = whole ? await readFloats(rowsPath) : null;
      const cells = allRows ? null : await readAt(rowsPath, chosenPositions, ROW_FLOATS);
      const cell = (n: number, k: number): number => (allRows ? (allRows[chosenPositions[n]! * ROW_FLOATS + k] ?? NaN) : (cells![n]![k] ?? NaN));
      const records: MetricRecord[] = [];
      for (let n = 0; n < chosen.length; n++) {
        if (n > 0 && n % BUILD_SLICE === 0) await yieldToLoop();
        const epoch = cell(n, 1);
        const step = cell(n, 2);
        const time = cell(n, 3);
        const record: MetricRecord = { ts: Number.isNaN(time) ? '' : new Date(time).toISOString() };
        if (!Number.isNaN(epoch)) record.epoch = epoch;
        if (!Number.isNaN(step)) record.step = step;
        const value = values[chosen[n]!]!;
        record[metricName] = Number.isFinite(value) ? value : String(value);
        records.push(record);
      }
      return records;
    });
  }

  private dir(runId: string): string {
    return join(this.paths.dir(runId), 'metrics.idx');
  }

  private async update(runId: string): Promise<IndexMeta> {
    const dir = this.dir(runId);
    const metaPath = join(dir, 'meta.json');
    let meta: IndexMeta;
    try {
      meta = JSON.parse(await readFile(metaPath, 'utf8')) as IndexMeta;
    } catch {
      meta = { offset: 0, records: 0, names: {}, counts: {}, summary: {} };
      await mkdir(dir, { recursive: true });
      // a half-written index from a crash is rebuilt from scratch
      for (const file of await readdir(dir)) await writeFile(join(dir, file), '');
    }
    const source = await open(this.paths.metrics(runId), 'r').catch(() => null);
    if (!source) return meta;
    try {
      let changed = false;
      const { size } = await source.stat();
      if (size > meta.offset && meta.records > 0) {
        // leftovers of a crash between appending columns and saving the meta go before new appends
        await truncate(join(dir, 'rows.f64'), meta.records * ROW_FLOATS * 8).catch(() => {});
        for (const [file, count] of Object.entries(meta.counts)) await truncate(join(dir, file), count * 8).catch(() => {});
      }
      for (;;) {
        // only what was appended since the last update: refreshes come every few seconds per run
        const want = Math.min(CHUNK, size - meta.offset);
        if (want <= 0) break;
        const buffer = Buffer.allocUnsafe(want);
        const { bytesRead } = await source.read(buffer, 0, want, meta.offset);
        if (bytesRead === 0) break;
        const lastNewline = buffer.subarray(0, bytesRead).lastIndexOf(10);
        if (lastNewline === -1) break;
        await this.indexLines(dir, meta, buffer.toString('utf8', 0, lastNewline));
        meta.offset += lastNewline + 1;
        changed = true;
        await yieldToLoop();
        if (bytesRead < buffer.length) break;
      }
      if (changed) {
        await writeFile(metaPath + '.tmp', JSON.stringify(meta));
        await rename(metaPath + '.tmp', metaPath);
      }
      return meta;
    } finally {
      await source.close();
    }
  }

  private async indexLines(dir: string, meta: IndexMeta, text: string): Promise<void> {
    const rows: number[] = [];
    const columns = new Map<string, { p: number[]; x: number[]; v: number[] }>();
    for (const line of text.split('\n')) {
      if (!line) continue;
      let record: MetricRecord;
      try {
        record = JSON.parse(line) as MetricRecord;
      } catch {
        continue;
      }
      const position = meta.records++;
      rows.push(position, record.epoch ?? NaN, record.step ?? NaN, Date.parse(record.ts ?? '') || NaN);
      const x = record.step ?? record.epoch ?? position;
      for (const [name, value] of Object.entries(record)) {
        if (name === 'ts' || name === 'epoch' || name === 'step') continue;
        const number = metricNumber(value);
        if (number === null) continue;
        let column = columns.get(name);
        if (!column) columns.set(name, (column = { p: [], x: [], v: [] }));
        column.p.push(position);
        column.x.push(x);
        column.v.push(number);
        if (this.options.summaries !== false) foldSummary((meta.summary ??= {}), name, number);
      }
    }
    await appendFile(join(dir, 'rows.f64'), Buffer.from(new Float64Array(rows).buffer));
    for (const [name, column] of columns) {
      const file = (meta.names[name] ??= `m-${createHash('sha256').update(name).digest('hex').slice(0, 16)}`);
      for (const part of COLUMNS) {
        await appendFile(join(dir, `${file}.${part}`), Buffer.from(new Float64Array(column[part]).buffer));
        meta.counts[`${file}.${part}`] = (meta.counts[`${file}.${part}`] ?? 0) + column[part].length;
      }
    }
  }

  private locked<T>(runId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(runId) ?? Promise.resolve();
    const next = previous.then(work, work);
    this.locks.set(
      runId,
      next.catch(() => undefined),
    );
    return next;
  }
}

/** A whole float64 file in one read into its own buffer, viewed in place. */
async function readFloats(path: string): Promise<Float64Array> {
  const handle = await open(path, 'r').catch(() => null);
  if (!handle) return new Float64Array(0);
  try {
    const { size } = await handle.stat();
    const buffer = new ArrayBuffer(size - (size % 8));
    const bytes = new Uint8Array(buffer);
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return new Float64Array(buffer, 0, filled / 8);
  } finally {
    await handle.close();
  }
}

/** `width` floats at each given index of a float64 file, by concurrent positioned reads. */
async function readAt(path: string, indices: readonly number[], width: number): Promise<number[][]> {
  const result: number[][] = indices.map(() => []);
  if (indices.length === 0) return result;
  const handle = await open(path, 'r').catch(() => null);
  if (!handle) return result;
  try {
    const BATCH = 64;
    for (let start = 0; start < indices.length; start += BATCH) {
      await Promise.all(
        indices.slice(start, start + BATCH).map(async (index, offset) => {
          const buffer = Buffer.alloc(width * 8);
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, index * width * 8);
          if (bytesRead === buffer.length) result[start + offset] = Array.from({ length: width }, (_, k) => buffer.readDoubleLE(k * 8));
        }),
      );
    }
    return result;
  } finally {
    await handle.close();
  }
}

/** Folds one value into a metric's running statistics (exported for the leaderboard benchmark). */
export function foldSummary(summaries: Record<string, MetricSummary>, name: string, value: number): void {
  const summary = (summaries[name] ??= { current: value, min: null, max: null, mean: null, count: 0, non_finite: 0 });
  summary.count++;
  summary.current = Number.isFinite(value) ? value : String(value);
  if (!Number.isFinite(value)) {
    summary.non_finite++;
    return;
  }
  const finite = summary.count - summary.non_finite;
  summary.min = summary.min === null ? value : Math.min(summary.min, value);
  summary.max = summary.max === null ? value : Math.max(summary.max, value);
  summary.mean = summary.mean === null ? value : summary.mean + (value - summary.mean) / finite;
}
