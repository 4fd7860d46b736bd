import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../logging/logger.js';
import type { MetricIndex } from '../store/metric-index.js';

const THROTTLE_MS = 2000;

/**
 * Keeps the columnar metric index of running runs current as metrics arrive (at most every 2 s per
 * run, and once more when a run ends), so that history queries rarely index anything themselves.
 */
export class MetricIndexer {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly index: MetricIndex,
    events: EventBus,
    private readonly logger: Logger,
  ) {
    events.on('run.metrics', ({ runId }) => this.schedule(runId));
    events.on('run.finished', ({ run }) => {
      clearTimeout(this.timers.get(run.id));
      this.timers.delete(run.id);
      void this.refresh(run.id);
    });
  }

  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(runId: string): void {
    if (this.timers.has(runId)) return;
    const timer = setTimeout(() => {
      this.timers.delete(runId);
      void this.refresh(runId);
    }, THROTTLE_MS);
    timer.unref();
    this.timers.set(runId, timer);
  }

  private async refresh(runId: string): Promise<void> {
    await this.index.refresh(runId).catch((error: Error) => this.logger.warn('metric index refresh failed', { run: runId, error: error.message }));
  }
}
