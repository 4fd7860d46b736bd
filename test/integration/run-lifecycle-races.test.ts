import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../../src/logging/logger.js';
import type { Run } from '../../src/domain/run.js';
import type { ExitRecord } from '../../src/domain/run-records.js';
import { AppError, ErrorCode } from '../../src/errors.js';
import { EventBus } from '../../src/events/event-bus.js';
import { PluginRegistry } from '../../src/plugins/plugin-registry.js';
import { DatasetCatalog } from '../../src/services/dataset-catalog.js';
import { RecipeCatalog } from '../../src/services/recipe-catalog.js';
import { RunExecutor } from '../../src/services/run-executor.js';
import { RunLifecycle } from '../../src/services/run-lifecycle.js';
import { RunService } from '../../src/services/run-service.js';
import { Scheduler } from '../../src/services/scheduler.js';
import { BlobStore } from '../../src/store/blob-store.js';
import { MetricIndex } from '../../src/store/metric-index.js';
import { RunFiles } from '../../src/store/run-files.js';
import { RunPaths } from '../../src/store/run-paths.js';
import { StateStore } from '../../src/store/state-store.js';

const ROUNDS = 1000;

/**
 * A backend plugin (the public contract, as a third-party package writes one) whose runs end when the
 * test says: the run's "process" completing is the third party in each race. A stop request is
 * delivered and otherwise ignored, as by a script that finishes its last step before it exits.
 */
function controlledBackend(ends: Map<string, (exit: ExitRecord) => void>) {
  return {
    name: 'controlled',
    kind: 'backend',
    apiVersion: 1,
    description: 'Each run ends when the test ends it.',
    configSchema: z.object({}).strict(),
    create: () => ({
      async start(launch: { runId: string }) {
        const finished = new Promise<ExitRecord>((resolve) => ends.set(launch.runId, resolve));
        return { handle: { run: launch.runId }, finished };
      },
      async stop() {},
      async reattach() {
        throw new Error('not re-attachable');
      },
    }),
  };
}

/** Lets `turns` turns of the event loop go by (each a chance for the other operations' writes to land). */
async function turns(count: number): Promise<void> {
  for (let turn = 0; turn < count; turn++) await new Promise((resolve) => setImmediate(resolve));
}

describe('one run, three writers: a stop request, its chat thread and its completion', () => {
  let dir: string;
  let store: StateStore;
  let runs: RunService;
  let executor: RunExecutor;
  const ends = new Map<string, (exit: ExitRecord) => void>();
  const events = new EventBus();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trainer-lifecycle-'));
    await writeFile(join(dir, 'race.yaml'), 'name: race\nbackend: controlled\ncommand: ["unused"]\n');
    const logger = createLogger({ level: 'silent' });
    store = await StateStore.open(join(dir, 'db.json'));
    const registry = new PluginRegistry(logger);
    registry.register(controlledBackend(ends), 'test');
    await registry.instantiateAll({});
    const recipes = await RecipeCatalog.load([dir]);
    const lifecycle = new RunLifecycle({ store, events });
    const paths = new RunPaths(join(dir, 'runs'));
    const files = new RunFiles(paths);
    executor = new RunExecutor({ lifecycle, registry, recipes, paths, files, events, logger, stopGraceMs: 1000, trainerHome: dir, baseEnv: {} });
    const scheduler = new Scheduler({ lifecycle, executor, events, logger, gpuInventory: [], maxConcurrent: 1 });
    const blobs = new BlobStore(join(dir, 'datasets'));
    await blobs.init();
    runs = new RunService({
      lifecycle,
      recipes,
      registry,
      files,
      executor,
      scheduler,
      gpuInventory: [],
      datasets: new DatasetCatalog(blobs, store, new BlobStore(join(dir, 'datasets', '.versions'))),
      metricIndex: new MetricIndex(paths),
      defaults: () => ({ recipe: 'race', params: {} }),
      experimentExists: () => false,
      stopWaitMs: 60_000,
    });
  });

  afterAll(async () => {
    await executor?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(`never loses a field, whatever order they come in (${ROUNDS} rounds)`, async () => {
    const outcomes = { stoppedFirst: 0, completedFirst: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const submitted = await runs.submit({ start: true, origin: { platform: 'slack', channel: 'C1', thread: null, user: 'U1' } });
      expect(submitted.state).toBe('running');
      const id = submitted.id;
      const ended = new Promise<Run>((resolve) => {
        const unsubscribe = events.on('run.finished', ({ run }) => {
          if (run.id !== id) return;
          unsubscribe();
          resolve(run);
        });
      });
      const thread = `thread-${round}`;
      // each operation waits its own number of loop turns, so that rounds cover every order (the
      // completion's own work takes several turns: a write can land before, during or after it); one
      // round in five stops the run after it ended
      const waits = [0, 3, 12, 40];
      const stopAfterEnd = round % 5 === 4;
      const stop = (stopAfterEnd ? turns(1).then(() => executor.whenFinished(id)) : turns(waits[round % 4]!))
        .then(() => runs.stop(id))
        .then(
          () => true,
          (error: unknown) => {
            if (error instanceof AppError && error.code === ErrorCode.Conflict) return false; // it had already ended: refused, not lost
            throw error;
          },
        );
      const setThread = turns(waits[Math.floor(round / 4) % 4]!).then(() => runs.setOriginThread(id, thread));
      const complete = turns(waits[Math.floor(round / 16) % 4]!).then(() =>
        ends.get(id)!({ exit_code: 0, signal: null, stop_requested: false, error: null, ended_at: new Date().toISOString() }),
      );
      const [stopAccepted] = await Promise.all([stop, setThread, complete]);
      const endedAt = (await ended).ended_at;
      await store.settled();

      const onDisk = (JSON.parse(await readFile(join(dir, 'db.json'), 'utf8')) as { runs: Run[] }).runs.find((run) => run.id === id)!;
      for (const record of [runs.get(id), onDisk]) {
        expect(record.state, `round ${round}`).toBe(stopAccepted ? 'stopped' : 'completed');
        expect(record.origin?.thread, `round ${round}`).toBe(thread);
        expect(record.stop_requested, `round ${round}`).toBe(stopAccepted);
        expect(record.end_reason, `round ${round}`).toBe(stopAccepted ? 'stopped_by_user' : 'success');
        expect(record.handle, `round ${round}`).toEqual({ run: id });
        expect(record.attempts?.at(-1)?.ended_at, `round ${round}`).toBe(endedAt);
      }
      if (stopAccepted) outcomes.stoppedFirst++;
      else outcomes.completedFirst++;
      ends.delete(id);
      await runs.delete(id);
    }
    // both races were run, not just one of them
    expect(outcomes.stoppedFirst).toBeGreaterThan(0);
    expect(outcomes.completedFirst).toBeGreaterThan(0);
  });
});
