import { watch, type FSWatcher } from 'node:fs';
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { LogRecord, MetricRecord } from '../domain/run-records.js';
import type { RunPaths } from './run-paths.js';

export interface FollowHandlers {
  onMetrics(records: MetricRecord[]): void;
  onLogs(records: LogRecord[]): void;
}

export interface FollowStart {
  metricsOffset: number;
  logOffset: number;
}

const POLL_MS = 1000;
const READ_CHUNK = 1024 * 1024;

/**
 * Follows a run's metrics.jsonl and log.jsonl as they grow, whoever writes them. inotify (fs.watch on
 * the run's directory) gives low latency; a slow poll covers file systems where watching does not work.
 */
export class RunFollower {
  private readonly offsets: { metrics: number; log: number };
  private readonly partial = { metrics: '', log: '' };
  private readonly decoders = { metrics: new StringDecoder('utf8'), log: new StringDecoder('utf8') };
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reading: Promise<void> | null = null;
  private again = false;
  private closed = false;

  constructor(
    private readonly paths: RunPaths,
    private readonly runId: string,
    private readonly handlers: FollowHandlers,
    start: FollowStart,
  ) {
    this.offsets = { metrics: start.metricsOffset, log: start.logOffset };
  }

  start(): void {
    try {
      this.watcher = watch(this.paths.dir(this.runId), () => this.poke());
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      this.watcher = null;
    }
    this.timer = setInterval(() => this.poke(), POLL_MS);
    this.timer.unref();
    this.poke();
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

  /** Reads to the end one last time, then stops. */
  async close(): Promise<void> {
    await this.poke();
    this.closed = true;
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
  }

  private async drain(kind: 'metrics' | 'log'): Promise<void> {
    const path = kind === 'metrics' ? this.paths.metrics(this.runId) : this.paths.log(this.runId);
    let handle;
    try {
      handle = await open(path, 'r');
    } catch {
      return;
    }
    try {
      const buffer = Buffer.alloc(READ_CHUNK);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offsets[kind]);
        if (bytesRead === 0) return;
        this.offsets[kind] += bytesRead;
        const text = this.partial[kind] + this.decoders[kind].write(buffer.subarray(0, bytesRead));
        const lastNewline = text.lastIndexOf('\n');
        this.partial[kind] = text.slice(lastNewline + 1);
        if (lastNewline >= 0) this.emit(kind, text.slice(0, lastNewline));
        if (bytesRead < buffer.length) return;
      }
    } finally {
      await handle.close();
    }
  }

  private emit(kind: 'metrics' | 'log', text: string): void {
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
    if (kind === 'metrics') this.handlers.onMetrics(records as MetricRecord[]);
    else this.handlers.onLogs(records as LogRecord[]);
  }
}
