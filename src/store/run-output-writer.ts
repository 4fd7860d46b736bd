import { closeSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ExitRecord, LogRecord, MetricRecord } from '../domain/run-records.js';

export interface RunOutputPaths {
  log: string;
  metrics: string;
  exit: string;
}

/**
 * Appends a run's log and metric records and writes its exit record. Used by the process that
 * supervises training (which outlives the agent), so writes are synchronous appends to O_APPEND
 * descriptors: each batch lands whole and in order, whoever else is alive.
 */
export class RunOutputWriter {
  private readonly logFd: number;
  private readonly metricsFd: number;
  private readonly appendFds = new Map<string, number>();

  constructor(private readonly paths: RunOutputPaths) {
    mkdirSync(dirname(paths.log), { recursive: true });
    this.logFd = openSync(paths.log, 'a');
    this.metricsFd = openSync(paths.metrics, 'a');
  }

  appendLogs(records: readonly LogRecord[]): void {
    if (records.length > 0) writeSync(this.logFd, serialize(records));
  }

  appendMetrics(records: readonly MetricRecord[]): void {
    if (records.length > 0) writeSync(this.metricsFd, serialize(records));
  }

  /** Already-serialized JSONL (one record a line, each ending in a newline). */
  appendLogText(text: string): void {
    if (text) writeSync(this.logFd, text);
  }

  appendMetricText(text: string): void {
    if (text) writeSync(this.metricsFd, text);
  }

  writeExit(record: ExitRecord): void {
    const temporary = `${this.paths.exit}.tmp`;
    writeFileSync(temporary, JSON.stringify(record));
    renameSync(temporary, this.paths.exit);
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
    closeSync(this.logFd);
    closeSync(this.metricsFd);
    for (const fd of this.appendFds.values()) closeSync(fd);
    this.appendFds.clear();
  }

  private runFilePath(name: string): string {
    if (!/^[\w][\w.-]*$/.test(name) || basename(name) !== name) throw new Error(`not a plain file name: ${JSON.stringify(name)}`);
    return join(dirname(this.paths.log), name);
  }
}

function serialize(records: readonly object[]): string {
  let text = '';
  for (const record of records) text += JSON.stringify(record) + '\n';
  return text;
}
