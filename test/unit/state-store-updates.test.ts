import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newRun } from '../../src/domain/run.js';
import { RunNotFound, StateStore } from '../../src/store/state-store.js';

describe('StateStore.updateRun', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trainer-state-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const run = (id: string) =>
    newRun({
      id,
      name: null,
      tags: [],
      recipe: 'r',
      backend: 'process',
      params: {},
      gpus: 0,
      priority: 0,
      seq: 1,
      created_at: new Date().toISOString(),
      total_epochs: null,
      experiment_id: null,
    });

  it('applies concurrent updates one after the other, each to the record the previous one left, and all reach the disk', async () => {
    const path = join(dir, 'db.json');
    const store = await StateStore.open(path);
    await store.addRun(run('a'));
    const order: number[] = [];
    const onDiskBefore: number[] = [];
    await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        store.updateRun('a', (current) => {
          order.push(index);
          // the previous update is on disk before this one reads the record
          onDiskBefore.push(JSON.parse(readFileSync(path, 'utf8')).runs[0].tags.length);
          return { ...current, tags: [...current.tags, `t${index}`] };
        }),
      ),
    );
    expect(order).toEqual(Array.from({ length: 200 }, (_, index) => index));
    expect(onDiskBefore).toEqual(Array.from({ length: 200 }, (_, index) => index));
    const reopened = await StateStore.open(path);
    expect(reopened.getRun('a')!.tags).toHaveLength(200);
  });

  it('writes nothing when the change throws, and the next update still runs', async () => {
    const path = join(dir, 'db.json');
    const store = await StateStore.open(path);
    await store.addRun(run('a'));
    await expect(
      store.updateRun('a', () => {
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    await expect(store.updateRun('missing', (current) => current)).rejects.toBeInstanceOf(RunNotFound);
    await store.updateRun('a', (current) => ({ ...current, stop_requested: true }));
    expect((await StateStore.open(path)).getRun('a')!.stop_requested).toBe(true);
    await expect(store.addRun(run('a'))).rejects.toThrow(/exists/);
  });
});
