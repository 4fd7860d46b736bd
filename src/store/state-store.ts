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

/** How often a document that could not be written for want of space is tried again. */
const DISK_FULL_RETRY_MS = 2000;

const emptyState = (): StateData => ({ version: 1, next_seq: 1, runs: [], models: [], datasets: [], checkpoints: [] });

/**
 * The lowdb document. Every mutation is followed by an atomic write (temp file + rename, by lowdb's
 * steno writer), so a `kill -9` leaves either the old or the new document, never half of one.
 */
export class StateStore {
  private readonly index = new Map<string, number>();
  private retry: NodeJS.Timeout | null = null;

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
   * Updates fast-changing fields (the current epoch) in memory only; they reach the disk with the
   * run's next save. After a crash they are recomputed from the run's metrics file.
   */
  patchInMemory(id: string, patch: Pick<Partial<Run>, 'current_epoch' | 'total_epochs' | 'bar_progress'>): void {
    const position = this.index.get(id);
    if (position !== undefined) this.db.data.runs[position] = { ...this.db.data.runs[position]!, ...patch };
  }

  saveRun(run: Run): Promise<void> {
    return this.saveRuns([run]);
  }

  /** Adds or replaces many runs in one write (each `saveRun` writes the whole document). */
  async saveRuns(runs: readonly Run[]): Promise<void> {
    const added = new Set<string>();
    for (const run of runs) {
      const position = this.index.get(run.id);
      if (position === undefined) {
        this.index.set(run.id, this.db.data.runs.length);
        this.db.data.runs.push(run);
        added.add(run.id);
      } else {
        this.db.data.runs[position] = run;
      }
    }
    // a run that could not be saved was never created (the client hears 507 and may retry); a change to
    // an existing one is a fact (its process ended) and stays
    await this.persist(added.size === 0 ? undefined : () => this.removeRuns(added));
  }

  private removeRuns(ids: ReadonlySet<string>): void {
    this.db.data.runs = this.db.data.runs.filter((run) => !ids.has(run.id));
    this.index.clear();
    this.db.data.runs.forEach((run, position) => this.index.set(run.id, position));
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

  /** Adds or replaces (by name) a registry record, then writes the document. */
  async saveRegistryRecord<K extends keyof RegistryCollections>(kind: K, record: RegistryCollections[K]): Promise<void> {
    const records = this.db.data[kind] as RegistryCollections[K][];
    const position = records.findIndex((existing) => existing.name === record.name);
    if (position === -1) records.push(record);
    else records[position] = record;
    await this.persist();
  }

  /** Adds or replaces several records of one registry in one write (a tag moving between models). */
  async saveRegistryRecords<K extends keyof RegistryCollections>(kind: K, changed: readonly RegistryCollections[K][]): Promise<void> {
    const records = this.db.data[kind] as RegistryCollections[K][];
    for (const record of changed) {
      const position = records.findIndex((existing) => existing.name === record.name);
      if (position === -1) records.push(record);
      else records[position] = record;
    }
    await this.persist();
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
   * given (a record that was to be created); otherwise it stays in memory (the agent goes on with it)
   * and is written by the next write that succeeds, or by a retry every few seconds.
   */
  private async persist(undo?: () => void): Promise<void> {
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
