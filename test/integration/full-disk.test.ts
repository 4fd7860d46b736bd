import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { FileRegistry } from '../../dist/src/services/file-registry.js';
import { BlobStore } from '../../dist/src/store/blob-store.js';
import { appendJsonLines } from '../../dist/src/store/jsonl.js';
import { StateStore } from '../../dist/src/store/state-store.js';
import { API_KEY, startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';
import { mountSmallTmpfs } from '../helpers/small-tmpfs.js';

const disk = mountSmallTmpfs(8);

/** Fills the disk to the last byte: big writes, then smaller ones into what is left. */
function fill(path: string): void {
  for (const size of [256 * 1024, 4096, 1]) {
    try {
      for (;;) appendFileSync(path, Buffer.alloc(size, 1));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    }
  }
}

const readEpoch = (file: string): number => {
  try {
    return Number(readFileSync(file, 'utf8')) || 0;
  } catch {
    return 0;
  }
};

/** The whole lines of a run file, each parsed (a reader never takes the unfinished last one). */
async function wholeLines(path: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(path, 'utf8');
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

describe.skipIf(disk.skip)(`a full disk (an 8 MiB tmpfs${disk.skip ? `: skipped, ${disk.skip}` : ''})`, () => {
  let t: TestAgent;
  let scratch: string;
  const filler = join(disk.dir, 'filler');

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'trainer-full-disk-epochs-'));
    t = await startTestAgent({ dataDir: join(disk.dir, 'data'), env: { TRAINER_DISK_FREE_MIN_MB: '1' } });
  });
  afterAll(async () => {
    rmSync(filler, { force: true });
    await t?.close();
    await rm(scratch, { recursive: true, force: true });
    disk.unmount();
  });

  it('the agent stays up and says 507, the run keeps running, and its metrics are complete once space returns', async () => {
    const healthy = await t.api('GET', '/health');
    expect(healthy.body).toMatchObject({ status: 'healthy', disk: { path: join(disk.dir, 'data') } });
    expect(healthy.body.disk.total_bytes).toBe(8 * 1024 * 1024);

    const epochFile = join(scratch, 'epoch');
    const created = await t.api('POST', '/api/v1/training/sessions', {
      recipe: 'disk-ticker',
      params: { interval_ms: 20, epoch_file: epochFile },
      start: true,
    });
    expect(created.status).toBe(201);
    const id = created.body.session_id;
    const metricsPath = join(t.dataDir, 'runs', id, 'metrics.jsonl');
    await waitFor(async () => (await wholeLines(metricsPath).catch(() => [])).length >= 5, 'the first metrics');

    // a store of its own on the same disk: the agent's state document, written while the disk is full
    const store = await StateStore.open(join(disk.dir, 'other-state', 'db.json'));
    await store.addRun({ id: 'run-before', name: 'written before' } as never);
    // a registry whose files go to another disk (not full), its records to this one
    const blobs = new BlobStore(join(scratch, 'models'));
    const registry = new FileRegistry({ kind: 'models', label: 'Model', store, blobs, buildRecord: (uploaded: object) => ({ ...uploaded, tags: [] }) });
    const uploadToRegistry = async (name: string) => {
      const reservation = await registry.reserve(name);
      try {
        await reservation.receive({ filename: `${name}.bin`, mimeType: null, stream: Readable.from([Buffer.from('weights')]) });
        return await reservation.commit({});
      } finally {
        await reservation.release();
      }
    };
    await uploadToRegistry('kept');

    fill(filler);
    const epochAtFull = readEpoch(epochFile);

    const health = await t.api('GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('degraded');
    expect(health.body.disk.free_bytes).toBeLessThan(health.body.disk.min_free_bytes);
    const detail = await t.api('GET', '/api/v1/health');
    expect(detail.body).toMatchObject({ status: 'degraded', components: { filesystem: 'unhealthy' } });

    const key = await t.api('POST', '/api/v1/keys', { name: 'ci', scope: 'read' });
    expect(key.status).toBe(507);
    expect(key.body).toMatchObject({ code: 'insufficient_storage', detail: expect.stringMatching(/disk is full \(ENOSPC\)/) });
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(1024 * 1024)]), 'model.bin');
    const upload = await fetch(`${t.url}/api/v1/models?model_name=too-big-now`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}` },
      body: form,
    });
    expect(upload.status).toBe(507);
    expect(await upload.json()).toMatchObject({ code: 'insufficient_storage' });

    // metrics logged over the API: refused whole, no part of the batch left in the file (checked at the end)
    const points = Array.from({ length: 1000 }, (_, index) => ({ metrics: { api_logged: index } }));
    const logged = await t.api('POST', `/api/v1/training/${id}/metrics`, { points });
    expect(logged.status).toBe(507);

    const runs = (await t.api('GET', '/api/v1/training/sessions')).body.length;
    const refused = await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 1 }, start: true });
    expect(refused.status).toBe(507);
    expect((await t.api('GET', '/api/v1/training/sessions')).body.length).toBe(runs);

    // a change to a record is kept and written once space returns; a record to be created is not created
    await expect(store.updateRun('run-before', (run) => ({ ...run, name: 'changed on a full disk' }))).rejects.toMatchObject({
      code: 'INSUFFICIENT_STORAGE',
      message: expect.stringMatching(/kept in memory/),
    });
    await expect(store.addRun({ id: 'run-on-a-full-disk' } as never)).rejects.toMatchObject({
      code: 'INSUFFICIENT_STORAGE',
      message: expect.stringMatching(/Nothing was saved/),
    });
    expect(store.getRun('run-on-a-full-disk')).toBeUndefined();
    // a registry change refused 507 is undone: no record of an upload whose file was removed, no tag that was not saved
    await expect(uploadToRegistry('refused')).rejects.toMatchObject({ code: 'INSUFFICIENT_STORAGE', message: expect.stringMatching(/Nothing was saved/) });
    expect(store.getRegistryRecord('models', 'refused')).toBeUndefined();
    expect((await registry.list()).map((entry: { name: string }) => entry.name)).toEqual(['kept']);
    const kept = store.getRegistryRecord('models', 'kept')!;
    await expect(store.saveRegistryRecords('models', [{ ...kept, tags: ['production'] }])).rejects.toMatchObject({ code: 'INSUFFICIENT_STORAGE' });
    expect(store.getRegistryRecord('models', 'kept')).toBe(kept);

    // training goes on while nothing can be written; what is on disk is whole lines
    await waitFor(() => readEpoch(epochFile) >= epochAtFull + 100, 'the training to go on while the disk is full', 60_000);
    expect((await t.api('GET', `/api/v1/training/${id}/status`)).body.state).toBe('running');
    const whileFull = await wholeLines(metricsPath);
    expect(Math.max(...whileFull.map((record) => record.epoch as number))).toBeLessThan(readEpoch(epochFile));

    rmSync(filler);
    const resumed = readEpoch(epochFile) + 10;
    await waitFor(async () => (await wholeLines(metricsPath)).some((record) => (record.epoch as number) >= resumed), 'the metrics to resume', 60_000);
    await waitFor(
      async () => (await readFile(join(disk.dir, 'other-state', 'db.json'), 'utf8').catch(() => '')).includes('changed on a full disk'),
      'the state document to be written once space returns',
      30_000,
    );
    expect((await t.api('GET', '/health')).body.status).toBe('healthy');

    expect((await t.api('POST', `/api/v1/training/${id}/stop`)).status).toBe(200);
    await waitForState(t.api, id, ['stopped']);
    const lastPrinted = readEpoch(epochFile);
    const text = await readFile(metricsPath, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const epochs = text
      .slice(0, -1)
      .split('\n')
      .map((line) => JSON.parse(line).epoch as number);
    expect(epochs).toEqual(Array.from({ length: epochs.length }, (_, index) => index + 1));
    expect(epochs.at(-1)).toBeGreaterThanOrEqual(lastPrinted);
    for (const line of (await readFile(join(t.dataDir, 'runs', id, 'log.jsonl'), 'utf8')).split('\n').filter(Boolean)) JSON.parse(line);
    expect((await t.api('POST', '/api/v1/keys', { name: 'ci', scope: 'read' })).status).toBe(201);
  });

  it('a run found ended while the disk is full is finalized in memory, written once space returns; the agent starts and answers', async () => {
    const dataDir = join(disk.dir, 'restarted');
    const epochFile = join(scratch, 'epoch-restarted');
    const first = await startTestAgent({ dataDir });
    const id = (
      await first.api('POST', '/api/v1/training/sessions', { recipe: 'disk-ticker', params: { interval_ms: 50, epoch_file: epochFile }, start: true })
    ).body.session_id;
    await waitFor(() => readEpoch(epochFile) >= 2, 'the run to train');
    const supervisor = (first.agent.runs.get(id) as { handle: { pid: number } }).handle.pid;
    await first.agent.close(); // runs outlive their agent: it is gone, the run is not
    // then the run dies with no one to record how (its supervisor and training killed)
    process.kill(supervisor, 'SIGKILL');
    // (the training usually dies of the broken pipe on its own)
    const left = execFileSync('sh', ['-c', `pgrep -f '${epochFile}' || true`])
      .toString()
      .trim();
    for (const pid of left ? left.split('\n') : []) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }

    fill(filler);
    const second = await startTestAgent({ dataDir });
    try {
      // re-found dead at start-up: finalized, though its state cannot be written now
      const status = await waitForState(second.api, id, ['failed']);
      expect(status.end_reason).toBe('lost');
      expect((await second.api('GET', '/health')).body.status).toBe('degraded');
      rmSync(filler);
      await waitFor(
        async () => {
          const state = JSON.parse(await readFile(join(dataDir, 'db.json'), 'utf8'));
          return state.runs.find((run: { id: string }) => run.id === id)?.state === 'failed';
        },
        'the ended run to be written once space returns',
        30_000,
      );
    } finally {
      rmSync(filler, { force: true });
      await second.close();
    }
  });

  it("the agent's JSONL appends land whole or not at all: a write cut short by the disk is cut back", async () => {
    const path = join(disk.dir, 'appended.jsonl');
    writeFileSync(path, '{"first":1}\n'); // its page has room left: the next write gets part-way, then ENOSPC
    fill(filler);
    try {
      const batch = Array.from({ length: 2000 }, (_, index) => JSON.stringify({ index, padding: 'x'.repeat(20) }) + '\n').join('');
      await expect(appendJsonLines(path, batch)).rejects.toMatchObject({ code: 'ENOSPC' });
      expect(statSync(path).size).toBe('{"first":1}\n'.length);
    } finally {
      rmSync(filler, { force: true });
    }
    await appendJsonLines(path, '{"second":2}\n');
    expect(readFileSync(path, 'utf8')).toBe('{"first":1}\n{"second":2}\n');
  });
});
