import type { RunOutputWriter } from '../../store/run-output-writer.js';
import type { OutputProgress } from './output-parser.js';

/** The run file the agent reads a run's progress from (replaced whole, never appended). */
export const PROGRESS_FILE = 'progress.json';

const MIN_INTERVAL_MS = 250;

/**
 * Writes where a run's output says it stands into progress.json, at most every 250 ms: a tqdm bar
 * redraws hundreds of times a second, the agent needs a few of them.
 */
export class ProgressFile {
  private latest: OutputProgress | null = null;
  private writtenAt = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly writer: RunOutputWriter) {}

  offer(progress: OutputProgress | null): void {
    if (!progress) return;
    this.latest = progress;
    const wait = this.writtenAt + MIN_INTERVAL_MS - Date.now();
    if (wait <= 0) this.flush();
    else if (this.timer === null) {
      this.timer = setTimeout(() => this.flush(), wait);
      this.timer.unref?.();
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.latest) return;
    this.writtenAt = Date.now();
    try {
      this.writer.writeRunFile(PROGRESS_FILE, JSON.stringify(this.latest));
    } catch {
      // progress is a hint: a full disk must not stop the supervisor
    }
    this.latest = null;
  }
}
