import { watch, type FSWatcher } from 'node:fs';
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import type { LogRecord, MetricRecord } from '../domain/run-records.js';
import { generationStartOf } from './log-generations.js';
import type { RunPaths } from './run-paths.js';

/** A byte range of a run file holding whole lines: `end` is where the next reader resumes. */
export interface FileRange {
  start: number;
  end: number;
}

export interface FollowHandlers {
  onMetrics(records: MetricRecord[], range: FileRange): void;
  onLogs(records: LogRecord[], range: FileRange): void;
  /** The run's progress.json changed (parsed, unchecked). */
  onProgress?(progress: unknown): void;
}

export interface FollowStart {
  metricsOffset: number;
  logOffset: number;
}

type Kind = 'metrics' | 'log';

const POLL_MS = 1000;
const READ_CHUNK = 1024 * 1024;

/**
 * Follows a run's metrics.jsonl and log.jsonl as they grow, whoever writes them. inotify (fs.watch on
 * the run's directory) gives low latency; a slow poll covers file systems where watching does not work.
 * Offsets count bytes of whole lines only, so that a stream can resume exactly where it stopped; the
 * log's are positions in the whole log, across its rotations (log-generations.ts).
 */
export class RunFollower {
  /** Offset of the end of the last whole line handed to the handlers, in the file being read. */
  private readonly emitted: Record<Kind, number>;
  /** Where the log file being read begins in the whole log; null until the file is opened. */
  private logStart: number | null = null;
  /** The position in the whole log to start from, until the log file is opened. */
  private readonly startLogAt: number;
  private readonly pending: Record<Kind, Buffer> = { metrics: Buffer.alloc(0), log: Buffer.alloc(0) };
  /** Kept open while following: a poke per printed line should not cost an open and a close. */
  private readonly handles: Record<Kind, FileHandle | null> = { metrics: null, log: null };
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reading: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private progressText: string | null = null;
  /** The log was rotated (run_log_cap_mb): the old file is read to its end once more, then the new one from its start. */
  private logRotated = false;

  constructor(
    private readonly paths: RunPaths,
    private readonly runId: string,
    private readonly handlers: FollowHandlers,
    start: FollowStart,
  ) {
    this.emitted = { metrics: start.metricsOffset, log: 0 };
    this.startLogAt = start.logOffset;
  }

  get offsets(): FollowStart {
    return { metricsOffset: this.emitted.metrics, logOffset: this.logStart === null ? this.startLogAt : this.logStart + this.emitted.log };
  }

  start(): void {
    try {
      this.watcher = watch(this.paths.dir(this.runId), (_event, file) => {
        if (file === 'progress.json') void this.readProgress();
        else void this.poke();
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      this.watcher = null;
    }
    this.timer = setInterval(() => {
      void this.poke();
      void this.readProgress();
    }, POLL_MS);
    this.timer.unref();
    void this.poke();
  }

  /** Reads whatever was appended; concurrent pokes collapse into one more read. */
  poke(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = (async () => {
      do {
        this.again = false;
        await this.drain('metrics');
        await this.drain('log');
      } while (this.again && !this.closed);
    })().finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  /** Hands progress.json to the handler when it changed since it was last read. */
  private async readProgress(): Promise<void> {
    if (!this.handlers.onProgress || this.closed) return;
    const text = await readFile(this.paths.progress(this.runId), 'utf8').catch(() => null);
    if (text === null || text === this.progressText) return;
    this.progressText = text;
    try {
      this.handlers.onProgress(JSON.parse(text));
    } catch {
      // torn or foreign: the next change brings a whole one
    }
  }

  /** Reads to the end one last time, then stops. */
  async close(): Promise<void> {
    await this.poke();
    await this.readProgress();
    this.closed = true;
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
    // a poke from the watcher may have started meanwhile: its handles are closed only after it
    await this.reading?.catch(() => {});
    for (const kind of ['metrics', 'log'] as const) {
      await this.handles[kind]?.close().catch(() => {});
      this.handles[kind] = null;
    }
  }

  private async drain(kind: Kind): Promise<void> {
    const path = kind === 'metrics' ? this.paths.metrics(this.runId) : this.paths.log(this.runId);
    if (!this.handles[kind]) {
      this.handles[kind] = await open(path, 'r').catch(() => null);
      if (kind === 'log' && this.handles.log && this.logStart === null) {
        // a start before this generation began (in log.1.jsonl) follows from this one's start
        this.logStart = await generationStartOf(this.handles.log);
        this.emitted.log = Math.max(0, this.startLogAt - this.logStart);
      }
    }
    const handle = this.handles[kind];
    if (!handle) return;
    for (;;) {
      const position = this.emitted[kind] + this.pending[kind].length;
      // read only what was appended: a poke per printed line must not cost a megabyte buffer
      const { size, ino } = await handle.stat();
      const want = Math.min(READ_CHUNK, size - position);
      if (want <= 0) {
        if (kind === 'log' && (await this.switchedToRotatedLog(path, ino))) return this.drain(kind);
        return;
      }
      const buffer = Buffer.allocUnsafe(want);
      const { bytesRead } = await handle.read(buffer, 0, want, position);
      if (bytesRead === 0) return;
      const bytes = this.pending[kind].length > 0 ? Buffer.concat([this.pending[kind], buffer.subarray(0, bytesRead)]) : buffer.subarray(0, bytesRead);
      const lastNewline = bytes.lastIndexOf(10);
      this.pending[kind] = Buffer.from(bytes.subarray(lastNewline + 1));
      if (lastNewline >= 0) {
        const start = this.emitted[kind];
        this.emitted[kind] = start + lastNewline + 1;
        const base = kind === 'log' ? this.logStart! : 0;
        this.emit(kind, bytes.toString('utf8', 0, lastNewline), { start: base + start, end: base + this.emitted[kind] });
      }
      if (bytesRead < buffer.length) return;
    }
  }

  /**
   * At the end of the log: when log.jsonl is now another file (the writer moved the old one to
   * log.1.jsonl), reads the old one to its end once more (it may have grown since its size was taken),
   * then follows the new one from its start. True when the caller should read again.
   */
  private async switchedToRotatedLog(path: string, ino: number): Promise<boolean> {
    if (this.logRotated) {
      this.logRotated = false;
      await this.handles.log?.close().catch(() => {});
      const previousEnd = this.logStart! + this.emitted.log;
      this.handles.log = await open(path, 'r').catch(() => null);
      this.logStart = this.handles.log ? Math.max(previousEnd, await generationStartOf(this.handles.log)) : previousEnd;
      this.emitted.log = 0;
      this.pending.log = Buffer.alloc(0);
      return this.handles.log !== null;
    }
    const current = await stat(path).catch(() => null);
    if (!current || current.ino === ino) return false;
    this.logRotated = true;
    return true;
  }

  private emit(kind: Kind, text: string, range: FileRange): void {
    const records: unknown[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        records.push(JSON.parse(line));
      } catch {
        // torn or foreign line: skipped
      }
    }
    if (records.length === 0) return;
    if (kind === 'metrics') this.handlers.onMetrics(records as MetricRecord[], range);
    else this.handlers.onLogs(records as LogRecord[], range);
  }
}
