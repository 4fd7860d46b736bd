import { open, stat } from 'node:fs/promises';
import { LineSplitter, ProgressFile, latestRedrawIn, type OutputParser, type RunOutputWriter } from '../../../src/plugins/sdk.js';

/** Lines Slurm itself writes into a job's output (`slurmstepd-node: error: *** JOB 12 ON node CANCELLED AT … ***`). */
const SLURM_LINE = /^(?:slurmstepd|slurmd|srun|sbatch|salloc)(?:-[^:\s]+)?: /;
const MAX_READ = 1024 * 1024;
const MAX_LINE = 64 * 1024;

export interface TailOffsets {
  out: number;
  err: number;
}

interface TailedFile {
  stream: 'stdout' | 'stderr';
  path: string;
  offset: number;
  splitter: LineSplitter;
}

/**
 * Follows a job's output files (Slurm writes them on the node; the agent reads them from the shared
 * file system) and turns what the job printed into log and metric records, parsed exactly as the
 * process backend parses a local process's output. Only whole lines are consumed, so `offsets` is
 * always a line boundary that a later agent can resume from. Slurm's own lines are kept in the log as
 * the agent's (stream `agent`), so they are neither metrics nor taken for the program's last error.
 */
export class JobOutputTailer {
  private readonly files: TailedFile[];
  private readonly progress: ProgressFile;

  constructor(
    paths: { out: string; err: string },
    offsets: TailOffsets,
    private readonly parser: OutputParser,
    private readonly writer: RunOutputWriter,
  ) {
    this.progress = new ProgressFile(writer);
    this.files = [
      { stream: 'stdout', path: paths.out, offset: offsets.out, splitter: new LineSplitter() },
      { stream: 'stderr', path: paths.err, offset: offsets.err, splitter: new LineSplitter() },
    ];
  }

  get offsets(): TailOffsets {
    return { out: this.files[0]!.offset, err: this.files[1]!.offset };
  }

  /** Consumes what was printed since the last call; `final` (the job is over) also takes an unterminated last line. Whether anything was consumed. */
  async poll(final = false): Promise<boolean> {
    let consumed = false;
    for (const file of this.files) if (await this.pollFile(file, final)) consumed = true;
    return consumed;
  }

  private async pollFile(file: TailedFile, final: boolean): Promise<boolean> {
    const size = (await stat(file.path).catch(() => null))?.size;
    if (size === undefined) return false; // not created yet (the job is pending)
    if (size < file.offset) {
      // truncated (a requeue that did not append): what it prints now starts at 0
      file.offset = 0;
      file.splitter = new LineSplitter();
    }
    if (size === file.offset) return false;
    const handle = await open(file.path, 'r');
    let consumed = false;
    try {
      while (file.offset < size) {
        const length = Math.min(MAX_READ, size - file.offset);
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buffer, 0, length, file.offset);
        if (bytesRead === 0) break;
        const chunk = buffer.subarray(0, bytesRead);
        let end = chunk.lastIndexOf(0x0a) + 1;
        const atEnd = file.offset + bytesRead >= size;
        if (end === 0) {
          if ((final && atEnd) || bytesRead >= MAX_LINE)
            end = bytesRead; // the last line, or one too long to wait for
          else {
            this.peekAtBar(chunk);
            break;
          }
        }
        const lines = file.splitter.push(chunk.subarray(0, end));
        if (final && atEnd && end === bytesRead) lines.push(...file.splitter.end());
        this.emit(lines, file.stream);
        file.offset += end;
        consumed = true;
        if (end < bytesRead && atEnd) {
          this.peekAtBar(chunk.subarray(end));
          break; // an unfinished last line: wait for the rest
        }
      }
    } finally {
      await handle.close();
    }
    this.progress.offer(this.parser.takeProgress());
    if (final) this.progress.flush();
    return consumed;
  }

  /** A progress bar still being redrawn (no newline yet, so not consumed): where it stands. */
  private peekAtBar(unfinished: Buffer): void {
    const redraw = latestRedrawIn(unfinished.toString('utf8'));
    if (redraw !== null) this.parser.observeRedraw(redraw);
  }

  private emit(lines: string[], stream: 'stdout' | 'stderr'): void {
    if (lines.length === 0) return;
    const ts = new Date().toISOString();
    let logText = '';
    let metricText = '';
    let group: string[] = [];
    const flush = () => {
      if (group.length === 0) return;
      const batch = this.parser.serializeBatch(group, stream, ts);
      logText += batch.logText;
      metricText += batch.metricText;
      group = [];
    };
    for (const line of lines) {
      if (!SLURM_LINE.test(line)) {
        group.push(line);
        continue;
      }
      flush();
      logText += JSON.stringify({ ts, level: /\berror\b/i.test(line) ? 'WARNING' : 'INFO', stream: 'agent', message: line }) + '\n';
    }
    flush();
    this.writer.appendMetricText(metricText);
    this.writer.appendLogText(logText);
  }
}
