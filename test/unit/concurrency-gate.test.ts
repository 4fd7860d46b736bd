import { describe, expect, it } from 'vitest';
import { ConcurrencyGate } from '../../src/services/concurrency-gate.js';
import { AppError } from '../../src/errors.js';

/** A task that runs until `release` is called, recording when it started. */
function pending(started: number[], id: number) {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return {
    task: async () => {
      started.push(id);
      await done;
      return id;
    },
    release: () => release(),
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('ConcurrencyGate', () => {
  it('runs at most its limit at once, the rest in the order they came, each slot handed on as a task ends', async () => {
    const gate = new ConcurrencyGate(2, 10, 'checks');
    const started: number[] = [];
    const tasks = [1, 2, 3, 4, 5].map((id) => pending(started, id));
    const results = tasks.map((t) => gate.run(t.task));
    await turn();
    expect(started).toEqual([1, 2]);
    expect([gate.active, gate.queued]).toEqual([2, 3]);
    tasks[1]!.release();
    await turn();
    expect(started).toEqual([1, 2, 3]);
    tasks[0]!.release();
    tasks[2]!.release();
    await turn();
    expect(started).toEqual([1, 2, 3, 4, 5]);
    tasks[3]!.release();
    tasks[4]!.release();
    expect(await Promise.all(results)).toEqual([1, 2, 3, 4, 5]);
    expect([gate.active, gate.queued]).toEqual([0, 0]);
  });

  it('frees the slot of a task that fails', async () => {
    const gate = new ConcurrencyGate(1, 10, 'checks');
    await expect(gate.run(async () => Promise.reject(new Error('bad archive')))).rejects.toThrow('bad archive');
    expect(await gate.run(async () => 'next')).toBe('next');
    expect(gate.active).toBe(0);
  });

  it('refuses one more than it may keep waiting with a 429 naming the work, and runs the others', async () => {
    const gate = new ConcurrencyGate(1, 2, 'dataset content checks');
    const started: number[] = [];
    const tasks = [1, 2, 3].map((id) => pending(started, id));
    const results = tasks.map((t) => gate.run(t.task));
    const refused = gate.run(async () => 4).catch((error: unknown) => error);
    const error = (await refused) as AppError;
    expect(error).toBeInstanceOf(AppError);
    expect(error.httpStatus).toBe(429);
    expect(error.message).toMatch(/1 dataset content checks are running and 2 waiting/);
    tasks.forEach((t) => t.release());
    expect(await Promise.all(results)).toEqual([1, 2, 3]);
  });
});
