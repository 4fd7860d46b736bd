import { mkdir, readFile, readdir, rename, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { appendJsonLines, parseJsonLines } from './jsonl.js';
import { closeGenerations, openGenerations } from './log-generations.js';
import { openIfExists } from './open-if-exists.js';
import { readTail, readTailOf } from './tail-read.js';
import type { RunPaths } from './run-paths.js';
import type { ExitRecord, LogRecord, MetricRecord } from '../domain/run-records.js';

export interface LogPage {
  records: LogRecord[];
  /** Byte offset to pass as `cursor` to read what comes after these records. */
  nextCursor: number;
}

const TAIL_CHUNK = 64 * 1024;
const MAX_PAGE_BYTES = 4 * 1024 * 1024;

/** Reads a run's log, metric and exit files. */
export class RunFiles {
  constructor(readonly paths: RunPaths) {}

  /**
   * The last `limit` log records, oldest first (from the generation before the newest too, after a
   * rotation). Cursors are positions in the whole log (log-generations.ts).
   */
  async tailLogs(runId: string, limit: number): Promise<LogPage> {
    const generations = await openGenerations(this.paths.log(runId));
    try {
      const records: LogRecord[] = [];
      let nextCursor = 0;
      for (let index = generations.length - 1; index >= 0 && records.length < limit; index--) {
        const { handle, start, size } = generations[index]!;
        const text = await readTailOf(handle, size, limit - records.length);
        const complete = text.slice(0, text.lastIndexOf('\n') + 1);
        if (index === generations.length - 1) nextCursor = start + size - Buffer.byteLength(text) + Buffer.byteLength(complete);
        records.unshift(...parseJsonLines<LogRecord>(complete).slice(-(limit - records.length)));
      }
      return { records, nextCursor };
    } finally {
      await closeGenerations(generations);
    }
  }

  /**
   * Up to `limit` log records from position `cursor` of the whole log on, read in 64 KiB chunks, into
   * the newest generation when the one before ends. A cursor in a generation that was dropped reads
   * from the oldest one kept (whose first line says what was dropped). A line longer than the page limit
   * is skipped over rather than holding the cursor in place forever.
   */
  async logsAfter(runId: string, cursor: number, limit: number): Promise<LogPage> {
    const generations = await openGenerations(this.paths.log(runId));
    try {
      const records: LogRecord[] = [];
      let nextCursor = cursor;
      for (const [index, { handle, start, size }] of generations.entries()) {
        const newest = index === generations.length - 1;
        if (!newest && cursor >= start + size) continue;
        const position = await readLinesFrom(handle, Math.max(0, cursor - start), limit, records);
        nextCursor = start + position;
        if (records.length >= limit || (!newest && position < size)) break;
      }
      return { records, nextCursor };
    } finally {
      await closeGenerations(generations);
    }
  }

  /** Where the run's log ends now, as a position in the whole log. */
  async logEnd(runId: string): Promise<number> {
    const generations = await openGenerations(this.paths.log(runId));
    try {
      const newest = generations.at(-1);
      return newest ? newest.start + newest.size : 0;
    } finally {
      await closeGenerations(generations);
    }
  }

  /**
   * Whole lines of a run file between two positions (byte offsets; for the log, positions in the whole
   * log across its generations), read in bounded chunks: `onChunk` gets the records of each chunk and
   * the position after them, and may return a promise to apply backpressure.
   */
  async readRange<T>(
    runId: string,
    kind: 'metrics' | 'log',
    start: number,
    end: number,
    onChunk: (records: T[], endOffset: number) => void | Promise<void>,
  ): Promise<void> {
    if (kind === 'metrics') {
      const handle = await openIfExists(this.paths.metrics(runId));
      if (!handle) return;
      try {
        await readRangeOf(handle, 0, start, end, onChunk);
      } finally {
        await handle.close();
      }
      return;
    }
    const generations = await openGenerations(this.paths.log(runId));
    try {
      for (const generation of generations) {
        const from = Math.max(start, generation.start);
        const to = Math.min(end, generation.start + generation.size);
        if (from < to) await readRangeOf(generation.handle, generation.start, from, to, onChunk);
      }
    } finally {
      await closeGenerations(generations);
    }
  }

  /** Metric points reported over the API; one append, so a batch lands whole next to the process's own lines. */
  async appendMetrics(runId: string, records: readonly MetricRecord[]): Promise<void> {
    await mkdir(this.paths.dir(runId), { recursive: true });
    await appendJsonLines(this.paths.metrics(runId), records.map((record) => JSON.stringify(record) + '\n').join(''));
  }

  /** A line from the agent itself in the run's log (a retry, say). */
  async appendAgentLog(runId: string, level: string, message: string): Promise<void> {
    const record: LogRecord = { ts: new Date().toISOString(), level, stream: 'agent', message };
    await mkdir(this.paths.dir(runId), { recursive: true });
    await appendJsonLines(this.paths.log(runId), JSON.stringify(record) + '\n');
  }

  /** Before a retry: the previous attempt's exit record moves to `exit.attempt-<n>.json`, so that only the new attempt's is read. */
  async archiveExit(runId: string, attempt: number): Promise<void> {
    try {
      await rename(this.paths.exit(runId), join(this.paths.dir(runId), `exit.attempt-${attempt}.json`));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  /**
   * The newest entry (file or directory, by modification time) of `<output>/checkpoints/`: what a retry
   * resumes from. Hidden names and `*.tmp` (a checkpoint being written) are skipped.
   */
  async latestCheckpoint(runId: string): Promise<string | null> {
    const dir = join(this.paths.output(runId), 'checkpoints');
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return null;
    }
    let newest: { path: string; mtimeMs: number } | null = null;
    for (const name of names.sort()) {
      if (name.startsWith('.') || name.endsWith('.tmp')) continue;
      const path = join(dir, name);
      const mtimeMs = await stat(path).then(
        (stats) => stats.mtimeMs,
        () => -1,
      );
      if (mtimeMs >= 0 && (!newest || mtimeMs >= newest.mtimeMs)) newest = { path, mtimeMs };
    }
    return newest?.path ?? null;
  }

  async readMetrics(runId: string): Promise<MetricRecord[]> {
    return parseJsonLines<MetricRecord>(await readIfExists(this.paths.metrics(runId)));
  }

  /**
   * Every metric record in order, handed to `visit` a chunk at a time with a turn of the event loop
   * between chunks: a history of a million points is read without holding the loop or the whole file.
   */
  async scanMetrics(runId: string, visit: (record: MetricRecord) => void): Promise<void> {
    const handle = await openIfExists(this.paths.metrics(runId));
    if (!handle) return;
    try {
      let carry: Buffer = Buffer.alloc(0);
      for (let position = 0; ; ) {
        const chunk = Buffer.allocUnsafe(SCAN_CHUNK);
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
        if (bytesRead === 0) break;
        position += bytesRead;
        // split on bytes, not text: a chunk may end inside a multi-byte character
        const bytes = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
        const lastNewline = bytes.lastIndexOf(10);
        carry = Buffer.from(bytes.subarray(lastNewline + 1));
        if (lastNewline >= 0) for (const record of parseJsonLines<MetricRecord>(bytes.toString('utf8', 0, lastNewline + 1))) visit(record);
        await yieldToLoop();
      }
      // a last line without its newline is a write in progress (or torn): not a record yet
    } finally {
      await handle.close();
    }
  }

  /** The metric records in the last `bytes` of the file: enough to know where a run stands after a restart. */
  async tailMetrics(runId: string, lines: number): Promise<{ records: MetricRecord[]; size: number }> {
    const { text, size } = await readTail(this.paths.metrics(runId), lines);
    return { records: parseJsonLines<MetricRecord>(text), size };
  }

  async readExit(runId: string): Promise<ExitRecord | null> {
    const text = await readIfExists(this.paths.exit(runId));
    if (!text) return null;
    try {
      return JSON.parse(text) as ExitRecord;
    } catch {
      return null;
    }
  }

  async sizeOf(path: string): Promise<number> {
    try {
      return (await stat(path)).size;
    } catch {
      return 0;
    }
  }
}

/** Read per turn of the event loop when scanning a metrics file: about 10,000 lines. */
const SCAN_CHUNK = 1024 * 1024;

async function readIfExists(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

/**
 * Appends to `records` up to `limit` records from byte `position` of one file, in 64 KiB chunks; returns
 * the position after the last whole line read.
 */
async function readLinesFrom(handle: FileHandle, position: number, limit: number, records: LogRecord[]): Promise<number> {
  let carry = Buffer.alloc(0);
  const chunk = Buffer.alloc(TAIL_CHUNK);
  while (records.length < limit) {
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, position + carry.length);
    if (bytesRead === 0) break;
    const bytes = Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
    let start = 0;
    for (let newline = bytes.indexOf(10); newline !== -1 && records.length < limit; newline = bytes.indexOf(10, start)) {
      try {
        records.push(JSON.parse(bytes.toString('utf8', start, newline)) as LogRecord);
      } catch {
        // a torn line is skipped
      }
      start = newline + 1;
    }
    position += start;
    carry = Buffer.from(bytes.subarray(start));
    if (carry.length > MAX_PAGE_BYTES) {
      position += carry.length; // an endless line: skip what we have of it
      carry = Buffer.alloc(0);
    }
    if (bytesRead < chunk.length) break;
  }
  return position;
}

/** Whole lines of one file between `from` and `to`, positions counted from `base` (the file's own start in its stream). */
async function readRangeOf<T>(
  handle: FileHandle,
  base: number,
  from: number,
  to: number,
  onChunk: (records: T[], endOffset: number) => void | Promise<void>,
): Promise<void> {
  let position = from - base;
  const end = to - base;
  const buffer = Buffer.alloc(TAIL_CHUNK * 16);
  while (position < end) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, end - position), position);
    if (bytesRead === 0) return;
    const lastNewline = buffer.subarray(0, bytesRead).lastIndexOf(10);
    if (lastNewline === -1) return; // a line longer than the buffer: never written by trainer's writers
    position += lastNewline + 1;
    await onChunk(parseJsonLines<T>(buffer.toString('utf8', 0, lastNewline)), base + position);
  }
}
