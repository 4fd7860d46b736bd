import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import type { CheckpointRecord } from '../domain/checkpoint.js';
import type { DatasetRecord, ModelRecord } from '../domain/registry.js';
import type { Run } from '../domain/run.js';
import { AppError, ErrorCode, diskFull, isDiskFull } from '../errors.js';

/** Control-plane state. Metrics and logs never go here: they are append-only files per run. */
export interface StateData {
  version: 1;
  next_seq: number;
  runs: Run[];
  /** The model registry's metadata (the files live in MODELS_DIR). Absent in older documents. */
  models: ModelRecord[];
  /** The dataset registry's metadata for uploaded datasets (files in DATASETS_DIR). Absent in older documents. */
  datasets: DatasetRecord[];
  /** Checkpoints' metadata (the files live in the checkpoints directory). Absent in older documents. */
  checkpoints: CheckpointRecord[];
}

interface RegistryCollections {
  models: ModelRecord;
  datasets: DatasetRecord;
}

/** An update named a run that is not (or no longer) in the document. */
export class RunNotFound extends Error {
  constructor(readonly runId: string) {
    super(`run ${runId} not found`);
  }
}

/** How often a document that could not be written for want of space is tried again. */
const DISK_FULL_RETRY_MS = 2000;
const SAVE_SOON_MS = 1000;

const emptyState = (): StateData => ({ version: 1, next_seq: 1, runs: [], models: [], datasets: [], checkpoints: [] });

/**
 * The lowdb document. Every mutation is followed by an atomic write (temp file + rename, by lowdb's
 * steno writer), so a `kill -9` leaves either the old or the new document, never half of one.
 */
export class StateStore {
  private readonly index = new Map<string, number>();
  /** Per run, the end of its last queued update: the next one starts after it. */
  private readonly runLocks = new Map<string, Promise<void>>();
  private retry: NodeJS.Timeout | null = null;
  /** A write asked for by `saveSoon`, not made yet. */
  private soon: NodeJS.Timeout | null = null;

  private constructor(private readonly db: Low<StateData>) {
    db.data.runs.forEach((run, position) => this.index.set(run.id, position));
  }

  static async open(path: string): Promise<StateStore> {
    await mkdir(dirname(path), { recursive: true });
    const db = new Low<StateData>(new JSONFile<StateData>(path), emptyState());
    try {
      await db.read();
    } catch (error) {
      throw new AppError(ErrorCode.Config, `Cannot read the state file ${path}: ${(error as Error).message}. Fix or move it away to start empty.`);
    }
    if (db.data?.version !== 1 || !Array.isArray(db.data.runs)) {
      throw new AppError(ErrorCode.Config, `The state file ${path} is not a trainer state document (version 1).`);
    }
    // documents written before the registries existed: the collections start empty
    if (!Array.isArray(db.data.models)) db.data.models = [];
    if (!Array.isArray(db.data.datasets)) db.data.datasets = [];
    if (!Array.isArray(db.data.checkpoints)) db.data.checkpoints = [];
    return new StateStore(db);
  }

  get runs(): readonly Run[] {
    return this.db.data.runs;
  }

  getRun(id: string): Run | undefined {
    const position = this.index.get(id);
    return position === undefined ? undefined : this.db.data.runs[position];
  }

  takeSeq(): number {
    return this.db.data.next_seq++;
  }

  /**
   * Updates fast-changing fields (the current epoch; the announcements the outboxes have) in memory
   * only; they reach the disk with the next write. After a crash the epoch is recomputed from the run's
   * metrics file, and an announcement made again is taken once by the outboxes.
   */
  patchInMemory(id: string, patch: Pick<Partial<Run>, 'current_epoch' | 'total_epochs' | 'bar_progress' | 'unannounced'>): void {
    const position = this.index.get(id);
    if (position !== undefined) this.db.data.runs[position] = { ...this.db.data.runs[position]!, ...patch };
  }

  /** Adds a new run (a run id is never reused: adding one that exists is a programming error). */
  addRun(run: Run): Promise<void> {
    return this.addRuns([run]);
  }

  /** Adds many new runs in one write (each `addRun` writes the whole document). */
  async addRuns(runs: readonly Run[]): Promise<void> {
    for (const run of runs) if (this.index.has(run.id)) throw new Error(`run ${run.id} already exists`);
    for (const run of runs) {
      this.index.set(run.id, this.db.data.runs.length);
      this.db.data.runs.push(run);
    }
    // a run that could not be saved was never created (the client hears 507 and may retry)
    await this.persist(() => this.removeRuns(new Set(runs.map((run) => run.id))));
  }

  private removeRuns(ids: ReadonlySet<string>): void {
    this.db.data.runs = this.db.data.runs.filter((run) => !ids.has(run.id));
    this.index.clear();
    this.db.data.runs.forEach((run, position) => this.index.set(run.id, position));
  }

  /**
   * Read-modify-write of one run, serialised per run: `change` gets the current record (after every
   * earlier update of this run is on disk) and returns the new one, or the same object for no change;
   * what it throws is thrown here and nothing is written. `change` is synchronous on purpose: nothing
   * can come between its read and its write, not even the in-memory progress patches, so no field
   * written by anyone else can be lost. Resolves once the new document is on disk (atomically: a
   * `kill -9` leaves the old document or the new one).
   */
  updateRun(id: string, change: (run: Run) => Run): Promise<Run> {
    const previous = this.runLocks.get(id) ?? Promise.resolve();
    const update = previous.then(async () => {
      const position = this.index.get(id);
      if (position === undefined) throw new RunNotFound(id);
      const current = this.db.data.runs[position]!;
      const next = change(current);
      if (next === current) return current;
      if (next.id !== id) throw new Error(`an update of run ${id} may not change its id`);
      this.db.data.runs[position] = next;
      // on a full disk the change is a fact (its process ended): kept in memory, written once space returns
      await this.persist();
      return next;
    });
    const settled = update.then(
      () => {},
      () => {},
    );
    this.runLocks.set(id, settled);
    void settled.then(() => {
      if (this.runLocks.get(id) === settled) this.runLocks.delete(id);
    });
    return update;
  }

  /** Updates many runs in one write (an experiment's runs losing their link); each as `updateRun` would. */
  async updateRuns(ids: readonly string[], change: (run: Run) => Run): Promise<void> {
    const locks = ids.map((id) => this.runLocks.get(id) ?? Promise.resolve());
    const update = Promise.all(locks).then(async () => {
      for (const id of ids) {
        const position = this.index.get(id);
        if (position !== undefined) this.db.data.runs[position] = change(this.db.data.runs[position]!);
      }
      await this.persist();
    });
    const settled = update.then(
      () => {},
      () => {},
    );
    for (const id of ids) this.runLocks.set(id, settled);
    void settled.then(() => {
      for (const id of ids) if (this.runLocks.get(id) === settled) this.runLocks.delete(id);
    });
    return update;
  }

  /** Resolves when every update started so far has been written, and what `saveSoon` waits to write is (for a clean close). */
  async settled(): Promise<void> {
    await Promise.all([...this.runLocks.values()]);
    if (this.soon) await this.persist().catch(() => {});
  }

  /**
   * Writes what `patchInMemory` changed within SAVE_SOON_MS, in one write however many changes come
   * meanwhile (unless another write takes it along first). A full disk leaves it to the retry.
   */
  saveSoon(): void {
    this.soon ??= setTimeout(() => void this.persist().catch(() => {}), SAVE_SOON_MS).unref();
  }

  /** Removes a run from the document (its files are the caller's to remove). */
  async deleteRun(id: string): Promise<boolean> {
    if (!this.index.has(id)) return false;
    this.removeRuns(new Set([id]));
    await this.persist();
    return true;
  }

  registryRecords<K extends keyof RegistryCollections>(kind: K): readonly RegistryCollections[K][] {
    return this.db.data[kind] as RegistryCollections[K][];
  }

  getRegistryRecord<K extends keyof RegistryCollections>(kind: K, name: string): RegistryCollections[K] | undefined {
    return (this.db.data[kind] as RegistryCollections[K][]).find((record) => record.name === name);
  }

  /**
   * Adds or replaces (by name) a registry record, then writes the document. On a full disk the change is
   * undone (the upload or tag it belongs to is refused 507 and its file removed), unless `ifDiskFull` is
   * 'keep': a record of a file already in place (a run's model) is kept in memory and written later.
   */
  async saveRegistryRecord<K extends keyof RegistryCollections>(kind: K, record: RegistryCollections[K], ifDiskFull: 'undo' | 'keep' = 'undo'): Promise<void> {
    await this.saveRegistryRecords(kind, [record], ifDiskFull);
  }

  /** Adds or replaces several records of one registry in one write (a tag moving between models); on a full disk, as `saveRegistryRecord`. */
  async saveRegistryRecords<K extends keyof RegistryCollections>(
    kind: K,
    changed: readonly RegistryCollections[K][],
    ifDiskFull: 'undo' | 'keep' = 'undo',
  ): Promise<void> {
    const records = this.db.data[kind] as RegistryCollections[K][];
    const undos: (() => void)[] = [];
    for (const record of changed) {
      const position = records.findIndex((existing) => existing.name === record.name);
      const previous = position === -1 ? null : records[position]!;
      if (position === -1) records.push(record);
      else records[position] = record;
      undos.unshift(() => {
        // only while the record is still the one this call put there: a later change is not this call's to undo
        const now = records.indexOf(record);
        if (now === -1) return;
        if (previous) records[now] = previous;
        else records.splice(now, 1);
      });
    }
    await this.persist(ifDiskFull === 'undo' ? () => undos.forEach((undo) => undo()) : undefined);
  }

  async deleteRegistryRecord(kind: keyof RegistryCollections, name: string): Promise<boolean> {
    const records = this.db.data[kind] as { name: string }[];
    const position = records.findIndex((existing) => existing.name === name);
    if (position === -1) return false;
    records.splice(position, 1);
    await this.persist();
    return true;
  }

  get checkpoints(): readonly CheckpointRecord[] {
    return this.db.data.checkpoints;
  }

  getCheckpoint(id: string): CheckpointRecord | undefined {
    return this.db.data.checkpoints.find((record) => record.checkpoint_id === id);
  }

  async saveCheckpoint(record: CheckpointRecord): Promise<void> {
    const records = this.db.data.checkpoints;
    const position = records.findIndex((existing) => existing.checkpoint_id === record.checkpoint_id);
    if (position === -1) records.push(record);
    else records[position] = record;
    await this.persist();
  }

  /** Removes the records of these checkpoints in one write; returns how many there were. */
  async deleteCheckpoints(ids: readonly string[]): Promise<number> {
    const gone = new Set(ids);
    const before = this.db.data.checkpoints.length;
    this.db.data.checkpoints = this.db.data.checkpoints.filter((record) => !gone.has(record.checkpoint_id));
    const removed = before - this.db.data.checkpoints.length;
    if (removed > 0) await this.persist();
    return removed;
  }

  /**
   * Writes the document. On a full disk the caller hears 507 and the change is undone by `undo` when
   * given (a record that was to be created, a registry change its client is refused); otherwise it
   * stays in memory (the agent goes on with it) and is written by the next write that succeeds, or by
   * a retry every few seconds.
   */
  private async persist(undo?: () => void): Promise<void> {
    if (this.soon) {
      clearTimeout(this.soon);
      this.soon = null;
    }
    try {
      await this.db.write();
    } catch (error) {
      if (!isDiskFull(error)) throw error;
      this.retry ??= setInterval(() => void this.persist().catch(() => {}), DISK_FULL_RETRY_MS).unref();
      const full = diskFull('save the agent state', error);
      undo?.();
      full.message += undo ? ' Nothing was saved.' : ' The change is kept in memory and saved once space returns.';
      throw full;
    }
    if (this.retry) {
      clearInterval(this.retry);
      this.retry = null;
    }
  }
}
