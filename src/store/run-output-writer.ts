import { closeSync, fstatSync, mkdirSync, openSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ExitRecord, LogRecord, MetricRecord } from '../domain/run-records.js';
import { isDiskFull } from '../errors.js';
import { generationStartOfFile, LOG_OFFSET_FIELD, rotatedLogPath } from './log-generations.js';

export interface RunOutputPaths {
  log: string;
  metrics: string;
  exit: string;
}

export interface RunOutputOptions {
  /**
   * The most a run's log may take on disk (run_log_cap_mb): log.jsonl is moved to log.1.jsonl when it
   * reaches half of it (the older log.1.jsonl is dropped), and the new log.jsonl starts with a line
   * that says so. Unlimited when absent.
   */
  logCapBytes?: number;
}

/** What may wait in memory for a full disk to have room again, per file; beyond it whole batches are dropped (and counted). */
const BACKLOG_CAP = 32 * 1024 * 1024;
const RETRY_MS = 500;

/**
 * Appends a run's log and metric records and writes its exit record. Used by the process that
 * supervises training (which outlives the agent), so writes are synchronous appends to O_APPEND
 * descriptors: each batch lands whole and in order, whoever else is alive.
 *
 * A full disk (ENOSPC, EDQUOT) stops no one: what could not be written waits in memory, in order, and is
 * written first once space returns — a line cut by the disk filling up is completed then, so a reader
 * (which takes whole lines only) never sees half of one. Past BACKLOG_CAP whole batches are dropped and
 * the log says how much.
 */
export class RunOutputWriter {
  private readonly log: AppendFile;
  private readonly metrics: AppendFile;
  private readonly logCapBytes: number | null;
  private readonly appendFds = new Map<string, number>();
  private logDroppedByCap = 0;
  private retry: NodeJS.Timeout | null = null;
  private reportedLoss = 0;

  constructor(
    private readonly paths: RunOutputPaths,
    options: RunOutputOptions = {},
  ) {
    mkdirSync(dirname(paths.log), { recursive: true });
    this.log = new AppendFile(paths.log);
    this.metrics = new AppendFile(paths.metrics);
    this.logCapBytes = options.logCapBytes ?? null;
  }

  appendLogs(records: readonly LogRecord[]): void {
    if (records.length > 0) this.appendLogText(serialize(records));
  }

  appendMetrics(records: readonly MetricRecord[]): void {
    if (records.length > 0) this.appendMetricText(serialize(records));
  }

  /** Already-serialized JSONL (one record a line, each ending in a newline). */
  appendLogText(text: string): void {
    if (!text) return;
    if (this.logCapBytes !== null && this.log.pending === 0 && this.log.size > 0 && this.log.size + Buffer.byteLength(text) > this.logCapBytes / 2)
      this.rotateLog();
    this.settle(this.log.append(text));
  }

  appendMetricText(text: string): void {
    if (text) this.settle(this.metrics.append(text));
  }

  /** Bytes written to neither file yet (the disk is full). */
  get pendingBytes(): number {
    return this.log.pending + this.metrics.pending;
  }

  /** Tries again to write what waits; true when nothing waits any more. */
  flushPending(): boolean {
    const done = this.metrics.flush() && this.log.flush();
    if (done) this.reportLoss();
    return done;
  }

  writeExit(record: ExitRecord): void {
    const temporary = `${this.paths.exit}.tmp`;
    writeFileSync(temporary, JSON.stringify(record));
    renameSync(temporary, this.paths.exit);
  }

  /**
   * Writes what waits, then the exit record, waiting for space as long as the disk is full: the exit
   * record comes last, so whoever reads it finds the run's output complete.
   */
  async finish(record: ExitRecord): Promise<void> {
    for (;;) {
      try {
        if (this.flushPending()) return this.writeExit(record);
      } catch (error) {
        if (!isDiskFull(error)) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }

  /**
   * Writes a small file of the backend's own into the run's directory, atomically (temporary file and
   * rename): a Slurm batch script, a follower's resume state. `name` is a bare file name. Returns its path.
   */
  writeRunFile(name: string, content: string, mode = 0o644): string {
    const path = this.runFilePath(name);
    const temporary = `${path}.tmp`;
    writeFileSync(temporary, content, { mode });
    renameSync(temporary, path);
    return path;
  }

  /** Appends bytes as they are to a file of the backend's own in the run's directory (a raw copy of the output). */
  appendRunFile(name: string, data: Buffer): void {
    let fd = this.appendFds.get(name);
    if (fd === undefined) {
      fd = openSync(this.runFilePath(name), 'a', 0o644);
      this.appendFds.set(name, fd);
    }
    writeSync(fd, data);
  }

  close(): void {
    if (this.retry) clearInterval(this.retry);
    this.retry = null;
    this.log.close();
    this.metrics.close();
    for (const fd of this.appendFds.values()) closeSync(fd);
    this.appendFds.clear();
  }

  private runFilePath(name: string): string {
    if (!/^[\w][\w.-]*$/.test(name) || basename(name) !== name) throw new Error(`not a plain file name: ${JSON.stringify(name)}`);
    return join(dirname(this.paths.log), name);
  }

  /** After an append: while something waits for space, try again on a timer (the training may print nothing more for a while). */
  private settle(written: boolean): void {
    if (written) {
      if (this.log.pending === 0 && this.metrics.pending === 0) this.reportLoss();
      return;
    }
    this.retry ??= setInterval(() => {
      if (this.flushPending() && this.retry) {
        clearInterval(this.retry);
        this.retry = null;
      }
    }, RETRY_MS);
    this.retry.unref?.();
  }

  /** Once the disk has room again: says in the log what did not fit in the backlog. */
  private reportLoss(): void {
    const lost = this.log.dropped + this.metrics.dropped;
    if (lost === this.reportedLoss) return;
    const message = `… ${lost - this.reportedLoss} bytes of output dropped (the disk was full: ${this.metrics.dropped} of them metrics)`;
    this.reportedLoss = lost;
    this.log.append(serialize([{ ts: new Date().toISOString(), level: 'WARNING', stream: 'agent', message }]));
  }

  /**
   * log.jsonl → log.1.jsonl (the older generation dropped); the new log.jsonl starts by saying so, and
   * where in the whole log it begins (log-generations.ts), so that positions in the log hold across it.
   */
  private rotateLog(): void {
    const previous = rotatedLogPath(this.paths.log);
    let droppedNow = 0;
    try {
      droppedNow = statSync(previous).size;
    } catch {
      // the first rotation: nothing dropped yet
    }
    const previousStart = generationStartOfFile(this.paths.log);
    renameSync(this.paths.log, previous);
    // its size once moved: the agent's own notes go to it too, up to the rename
    const kept = statSync(previous).size;
    this.log.reopen();
    this.logDroppedByCap += droppedNow;
    const capMiB = Math.round((this.logCapBytes! / 1024 / 1024) * 100) / 100;
    const message = `… ${this.logDroppedByCap} bytes dropped (log cap ${capMiB} MiB); the ${kept} bytes before this line are in ${basename(previous)}`;
    this.log.append(serialize([{ ts: new Date().toISOString(), level: 'WARNING', stream: 'agent', message, [LOG_OFFSET_FIELD]: previousStart + kept }]));
  }
}

/** One O_APPEND file and what waits to be written to it. */
class AppendFile {
  private fd: number;
  /** Bytes of the file, by this writer's count (others append too: the agent's own notes). */
  size: number;
  private readonly backlog: Buffer[] = [];
  pending = 0;
  dropped = 0;

  constructor(private readonly path: string) {
    this.fd = openSync(path, 'a');
    this.size = fstatSync(this.fd).size;
  }

  /** Appends after whatever waits; false when the disk is full and some of it waits in memory. */
  append(text: string): boolean {
    const bytes = Buffer.from(text);
    if (this.pending > 0) {
      if (this.pending + bytes.length > BACKLOG_CAP) this.dropped += bytes.length;
      else {
        this.backlog.push(bytes);
        this.pending += bytes.length;
      }
      return this.flush();
    }
    const written = this.writeSome(bytes);
    if (written < bytes.length) {
      this.backlog.push(bytes.subarray(written));
      this.pending += bytes.length - written;
      return false;
    }
    return true;
  }

  flush(): boolean {
    while (this.backlog.length > 0) {
      const head = this.backlog[0]!;
      const written = this.writeSome(head);
      this.pending -= written;
      if (written < head.length) {
        this.backlog[0] = head.subarray(written);
        return false;
      }
      this.backlog.shift();
    }
    return true;
  }

  reopen(): void {
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a');
    this.size = fstatSync(this.fd).size;
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Writes as much of `bytes` as the disk takes (a short write is how a filling disk answers); throws on other errors. */
  private writeSome(bytes: Buffer): number {
    let offset = 0;
    while (offset < bytes.length) {
      try {
        offset += writeSync(this.fd, bytes, offset, bytes.length - offset);
      } catch (error) {
        if (!isDiskFull(error)) throw error;
        break;
      }
    }
    this.size += offset;
    return offset;
  }
}

function serialize(records: readonly object[]): string {
  let text = '';
  for (const record of records) text += JSON.stringify(record) + '\n';
  return text;
}
