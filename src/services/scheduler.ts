import { allocateGpus } from '../domain/gpu-allocation.js';
import { compareQueueOrder } from '../domain/queue-order.js';
import type { Run } from '../domain/run.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../logging/logger.js';
import type { RunExecutor } from './run-executor.js';
import type { RunLifecycle } from './run-lifecycle.js';

export interface SchedulerDeps {
  lifecycle: RunLifecycle;
  executor: RunExecutor;
  events: EventBus;
  logger: Logger;
  gpuInventory: readonly number[];
  maxConcurrent: number;
}

/**
 * Starts queued runs in order (priority, then submission) while a slot and the GPUs they ask for are
 * free. Strictly in order: a run waiting for GPUs is not overtaken by later runs, so it cannot starve.
 */
export class Scheduler {
  private pass: Promise<void> = Promise.resolve();
  private maxConcurrent: number;

  constructor(private readonly deps: SchedulerDeps) {
    this.maxConcurrent = deps.maxConcurrent;
    deps.events.on('run.finished', () => void this.tick());
    // a run that failed and is retried goes back to the queue without finishing
    deps.events.on('run.queued', () => void this.tick());
  }

  get limit(): number {
    return this.maxConcurrent;
  }

  setLimit(maxConcurrent: number): Promise<void> {
    this.maxConcurrent = maxConcurrent;
    return this.tick();
  }

  queued(): Run[] {
    return this.deps.lifecycle.runs.filter((run) => run.state === 'queued').sort(compareQueueOrder);
  }

  /** Passes never overlap: each sees the state the previous one left. */
  tick(): Promise<void> {
    this.pass = this.pass.then(() => this.dispatch()).catch((error: Error) => this.deps.logger.error('scheduler pass failed', { error: error.message }));
    return this.pass;
  }

  private async dispatch(): Promise<void> {
    for (const candidate of this.queued()) {
      const run = this.deps.lifecycle.find(candidate.id);
      if (run?.state !== 'queued') continue; // cancelled while an earlier launch was awaited
      // tracking-only runs hold no slot and no GPU
      const running = this.deps.lifecycle.runs.filter((other) => other.state === 'running' && !other.tracking_only);
      if (running.length >= this.maxConcurrent) return;
      const held = new Set(running.flatMap((other) => other.gpu_ids));
      // a backend with its own resource manager (Slurm) gets the GPU count, not local GPU ids
      const gpuIds = this.deps.executor.backendManagesGpus(run.backend) ? [] : allocateGpus(this.deps.gpuInventory, held, run.gpus);
      if (!gpuIds) return;
      const slots = new Set(running.map((other) => other.slot));
      let slot = 1;
      while (slots.has(slot)) slot++;
      await this.deps.executor.launch(run, gpuIds, slot);
    }
  }
}
