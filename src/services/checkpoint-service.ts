import { pipeline } from 'node:stream/promises';
import {
  bestCheckpoint,
  checkpointsToDrop,
  DEFAULT_CHECKPOINT_POLICY,
  metricsProblem,
  newCheckpointId,
  parseCheckpointLine,
  relativePathProblem,
  type CheckpointLine,
  type CheckpointPolicy,
  type CheckpointRecord,
} from '../domain/checkpoint.js';
import { extensionOf, sizeMb } from '../domain/registry.js';
import type { Run } from '../domain/run.js';
import { badRequest, invalid, notFound } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../logging/logger.js';
import { entryInside, type BlobDownload, type BlobStore, type TempBlob } from '../store/blob-store.js';
import type { RunFiles } from '../store/run-files.js';
import type { RunPaths } from '../store/run-paths.js';
import type { LogRecord } from '../domain/run-records.js';
import type { StateStore } from '../store/state-store.js';
import type { IncomingFile } from './file-registry.js';
import type { RecipeCatalog } from './recipe-catalog.js';

/** Seed 001's checkpoint shape, plus the metrics it was saved with and where it came from. */
export interface CheckpointInfo {
  checkpoint_id: string;
  session_id: string;
  epoch: number;
  metric_name: string;
  metric_value: number | null;
  metrics: Record<string, number>;
  file_size_mb: number;
  size_bytes: number;
  file_path: string;
  is_best: boolean;
  created_at: string;
  source: 'run' | 'upload';
  original_path: string | null;
  /** In an upload's answer: false when retention let it go at once (neither among the best nor the last). */
  retained?: boolean;
}

export interface CheckpointServiceDeps {
  store: StateStore;
  blobs: BlobStore;
  recipes: RecipeCatalog;
  paths: RunPaths;
  files: RunFiles;
  events: EventBus;
  logger: Logger;
  /** Retention when a run's recipe does not set it. */
  keepBest: number;
  keepLast: number;
}

/** One upload in progress: the file streams to a temp file, then the fields decide where it goes. */
export interface CheckpointUpload {
  receive(file: IncomingFile): Promise<void>;
  commit(fields: Record<string, string>): Promise<CheckpointInfo>;
  release(): Promise<void>;
}

/**
 * Checkpoints of runs: uploaded through the API, or registered by a line the training process
 * printed (`{"checkpoint": "<path under the output dir>", "epoch": N, "metrics": {...}}`), whichever
 * backend ran it. Each run's best (by its recipe's metric) and latest are kept; the rest are deleted.
 */
export class CheckpointService {
  /** Per run, the registrations in order: retention must see each one's predecessors. */
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly unsubscribe: () => void;
  private catchingUp: Promise<void> = Promise.resolve();

  constructor(private readonly deps: CheckpointServiceDeps) {
    this.unsubscribe = deps.events.on('run.log', ({ runId, records, range }) => this.ingest(runId, records, range.end));
  }

  /**
   * After an agent restart: the checkpoint lines that runs which were running printed while no agent
   * followed them (the follower resumes at the end of the log). Reads each run's log from past its
   * last registered checkpoint; a line registered already is recognised and skipped.
   */
  catchUp(runIds: readonly string[]): Promise<void> {
    const work = this.readMissedLines(runIds).catch((error) =>
      this.deps.logger.warn('could not catch up on checkpoint lines', { error: (error as Error).message }),
    );
    this.catchingUp = work;
    return work;
  }

  private async readMissedLines(runIds: readonly string[]): Promise<void> {
    for (const runId of runIds) {
      const offsets = this.deps.store.checkpoints
        .filter((record) => record.session_id === runId && record.source === 'run')
        .map((record) => record.log_offset ?? 0);
      let cursor = Math.max(0, ...offsets);
      for (;;) {
        const page = await this.deps.files.logsAfter(runId, cursor, 1000);
        if (page.records.length === 0 || page.nextCursor <= cursor) break;
        this.ingest(runId, page.records, page.nextCursor);
        cursor = page.nextCursor;
      }
    }
    await Promise.allSettled(runIds.map((runId) => this.chains.get(runId)));
  }

  private ingest(runId: string, records: readonly LogRecord[], logOffset: number): void {
    for (const record of records) {
      if (record.stream === 'agent' || typeof record.message !== 'string') continue;
      const line = parseCheckpointLine(record.message);
      if (line === null) continue;
      if (typeof line === 'string') {
        this.deps.logger.warn('ignored a checkpoint line', { run: runId, problem: line });
        continue;
      }
      void this.inOrder(runId, () => this.registerFromRun(runId, line, logOffset)).catch((error) =>
        this.deps.logger.warn('could not register a checkpoint', { run: runId, path: line.path, error: (error as Error).message }),
      );
    }
  }

  policyFor(run: Pick<Run, 'recipe'>): CheckpointPolicy {
    const recipe = this.deps.recipes.has(run.recipe) ? this.deps.recipes.get(run.recipe) : null;
    return {
      metric: recipe?.checkpoint_metric ?? DEFAULT_CHECKPOINT_POLICY.metric,
      mode: recipe?.checkpoint_mode ?? DEFAULT_CHECKPOINT_POLICY.mode,
      keepBest: recipe?.checkpoint_keep_best ?? this.deps.keepBest,
      keepLast: recipe?.checkpoint_keep_last ?? this.deps.keepLast,
    };
  }

  /** Newest first; one run's when `sessionId` is given (404 when that run does not exist). */
  list(query: { sessionId?: string; limit?: number } = {}): CheckpointInfo[] {
    if (query.sessionId) this.runOf(query.sessionId);
    const records = this.deps.store.checkpoints.filter((record) => !query.sessionId || record.session_id === query.sessionId);
    // each run's best once, not once per checkpoint
    const bySession = new Map<string, CheckpointRecord[]>();
    for (const record of records) {
      const own = bySession.get(record.session_id);
      if (own) own.push(record);
      else bySession.set(record.session_id, [record]);
    }
    const best = new Map([...bySession].map(([sessionId, own]) => [sessionId, this.bestOf(sessionId, own)?.checkpoint_id ?? null]));
    const views = records.map((record) => this.view(record, best.get(record.session_id) ?? null));
    views.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : b.epoch - a.epoch));
    return query.limit === undefined ? views : views.slice(0, query.limit);
  }

  /** Where the run's checkpoint of the highest epoch (the newest among equals) is stored; null when it has none. */
  latestPath(runId: string): string | null {
    let latest: CheckpointRecord | null = null;
    for (const record of this.deps.store.checkpoints) {
      if (record.session_id !== runId) continue;
      if (!latest || record.epoch > latest.epoch || (record.epoch === latest.epoch && record.created_at > latest.created_at)) latest = record;
    }
    return latest ? this.deps.blobs.pathOf(latest.file) : null;
  }

  get(id: string): CheckpointInfo {
    return this.view(this.record(id));
  }

  async openDownload(id: string): Promise<BlobDownload> {
    const record = this.record(id);
    const download = await this.deps.blobs.openDownload(record.file);
    if (!download) throw notFound(`Checkpoint '${id}' is registered, but its file is missing from ${this.deps.blobs.dir}`);
    return { ...download, downloadName: `${record.session_id}-epoch${record.epoch}-${record.checkpoint_id}${extensionOf(record.file)}` };
  }

  async delete(id: string): Promise<void> {
    const record = this.record(id);
    await this.inOrder(record.session_id, async () => {
      await this.deps.store.deleteCheckpoints([id]);
      await this.deps.blobs.remove(record.file);
    });
  }

  /** Starts an upload (seed 001's multipart `file`, `session_id`, `epoch`, `metrics`). */
  upload(): CheckpointUpload {
    let temp: TempBlob | null = null;
    let extension = '';
    let originalName: string | null = null;
    let committed = false;
    return {
      receive: async (file) => {
        if (temp) throw badRequest('Send one file per upload');
        temp = await this.deps.blobs.createTemp();
        extension = extensionOf(file.filename);
        originalName = file.filename ? file.filename.split(/[\\/]/).pop()!.slice(0, 256) : null;
        await pipeline(file.stream, temp.stream);
      },
      commit: async (fields) => {
        const sessionId = fields.session_id;
        if (!sessionId) throw invalid('session_id is required: send it as a multipart field');
        const run = this.runOf(sessionId);
        const epoch = parseEpoch(fields.epoch);
        const metrics = parseMetricsField(fields.metrics);
        if (!temp) throw badRequest("The upload has no file: send the file as the multipart field 'file'");
        const current = temp;
        return this.inOrder(run.id, async () => {
          const id = newCheckpointId();
          const entry = await current.commit(id + extension);
          committed = true;
          const record: CheckpointRecord = {
            checkpoint_id: id,
            session_id: run.id,
            epoch,
            metrics,
            file: entry.fileName,
            size_bytes: entry.size,
            created_at: new Date().toISOString(),
            source: 'upload',
            original_path: originalName,
          };
          return this.add(record);
        });
      },
      release: async () => {
        if (temp && !committed) await (temp as TempBlob).discard();
      },
    };
  }

  /** Waits for registrations in progress; called when the agent closes. */
  async close(): Promise<void> {
    this.unsubscribe();
    await this.catchingUp;
    await Promise.allSettled([...this.chains.values()]);
  }

  private async registerFromRun(runId: string, line: CheckpointLine, logOffset: number): Promise<CheckpointInfo | null> {
    const run = this.deps.store.getRun(runId);
    if (!run || relativePathProblem(line.path)) return null;
    // a line read again after a restart registers nothing new
    if (
      this.deps.store.checkpoints.some(
        (record) => record.session_id === runId && record.source === 'run' && record.original_path === line.path && record.epoch === line.epoch,
      )
    )
      return null;
    const source = await entryInside(this.deps.paths.output(runId), line.path);
    if (!source) throw new Error(`'${line.path}' is not a file or directory inside the run's output directory`);
    const id = newCheckpointId();
    // copied, not linked: a run may rewrite its `best` or `last` checkpoint in place
    const entry = await this.deps.blobs.importFrom(source.path, id + (source.isDirectory ? '' : extensionOf(line.path)), { copy: true });
    const record: CheckpointRecord = {
      checkpoint_id: id,
      session_id: runId,
      epoch: line.epoch,
      metrics: line.metrics,
      file: entry.fileName,
      size_bytes: entry.size,
      created_at: new Date().toISOString(),
      source: 'run',
      original_path: line.path,
      log_offset: logOffset,
    };
    const info = await this.add(record);
    this.deps.logger.info('registered a checkpoint', { run: runId, checkpoint: id, epoch: line.epoch });
    return info;
  }

  /** Records a checkpoint, then applies the run's retention (files first, then records). */
  private async add(record: CheckpointRecord): Promise<CheckpointInfo> {
    const { store, blobs } = this.deps;
    await store.saveCheckpoint(record);
    const run = store.getRun(record.session_id)!;
    const drop = checkpointsToDrop(
      store.checkpoints.filter((existing) => existing.session_id === run.id),
      this.policyFor(run),
    );
    if (drop.length > 0) {
      for (const dropped of drop) await blobs.remove(dropped.file);
      await store.deleteCheckpoints(drop.map((dropped) => dropped.checkpoint_id));
    }
    const kept = store.getCheckpoint(record.checkpoint_id);
    return kept ? { ...this.view(kept), retained: true } : { ...this.view(record), is_best: false, retained: false };
  }

  private inOrder<T>(runId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(runId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => {});
    this.chains.set(runId, settled);
    void settled.then(() => {
      if (this.chains.get(runId) === settled) this.chains.delete(runId);
    });
    return next;
  }

  private runOf(sessionId: string): Run {
    const run = this.deps.store.getRun(sessionId);
    if (!run) throw notFound(`Session '${sessionId.slice(0, 64)}' not found`, 'run_not_found');
    return run;
  }

  private record(id: string): CheckpointRecord {
    const record = this.deps.store.getCheckpoint(id);
    if (!record) throw notFound(`Checkpoint '${id.slice(0, 64)}' not found`);
    return record;
  }

  private bestOf(sessionId: string, records: readonly CheckpointRecord[]): CheckpointRecord | null {
    const run = this.deps.store.getRun(sessionId);
    return bestCheckpoint(records, run ? this.policyFor(run) : DEFAULT_CHECKPOINT_POLICY);
  }

  /** `bestId`: the run's best checkpoint when the caller knows it already. */
  private view(record: CheckpointRecord, bestId?: string | null): CheckpointInfo {
    const run = this.deps.store.getRun(record.session_id);
    const policy = run ? this.policyFor(run) : DEFAULT_CHECKPOINT_POLICY;
    const best =
      bestId !== undefined
        ? bestId
        : (this.bestOf(
            record.session_id,
            this.deps.store.checkpoints.filter((existing) => existing.session_id === record.session_id),
          )?.checkpoint_id ?? null);
    return {
      checkpoint_id: record.checkpoint_id,
      session_id: record.session_id,
      epoch: record.epoch,
      metric_name: policy.metric,
      metric_value: record.metrics[policy.metric] ?? null,
      metrics: record.metrics,
      file_size_mb: sizeMb(record.size_bytes),
      size_bytes: record.size_bytes,
      file_path: this.deps.blobs.pathOf(record.file),
      is_best: best === record.checkpoint_id,
      created_at: record.created_at,
      source: record.source,
      original_path: record.original_path,
    };
  }
}

function parseEpoch(value: string | undefined): number {
  if (value === undefined || value === '') throw invalid('epoch is required: send it as a multipart field');
  const epoch = Number(value);
  if (!/^\d{1,9}$/.test(value.trim()) || !Number.isInteger(epoch))
    throw invalid(`epoch must be a non-negative integer, got ${JSON.stringify(value.slice(0, 32))}`);
  return epoch;
}

function parseMetricsField(value: string | undefined): Record<string, number> {
  if (value === undefined || value === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw invalid('metrics must be a JSON object of numbers, e.g. {"val_loss": 0.41}');
  }
  const metrics = metricsProblem(parsed);
  if (typeof metrics === 'string') throw invalid(metrics);
  return metrics;
}
