import type { Run } from './run.js';

/** Higher priority first; within one priority, first submitted first. */
export function compareQueueOrder(a: Run, b: Run): number {
  return b.priority - a.priority || a.seq - b.seq;
}
