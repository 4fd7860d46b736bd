import { basename, dirname, relative, sep } from 'node:path';
import { extensionOf, isModelFileName, registryNameProblem, sizeMb, type ModelRecord } from '../domain/registry.js';
import type { Run } from '../domain/run.js';
import { notFound } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../logging/logger.js';
import { listOutputFiles, type BlobDownload, type BlobStore } from '../store/blob-store.js';
import type { RunPaths } from '../store/run-paths.js';
import type { StateStore } from '../store/state-store.js';
import { FileRegistry, type RegistryEntry, type UploadReservation } from './file-registry.js';

/** Seed 000's model shape, plus what the registry knows besides. */
export interface ModelInfo {
  name: string;
  size_mb: number;
  created_at: string;
  file_path: string;
  run_id: string | null;
  size_bytes: number;
  sha256: string | null;
  /** A directory of files, downloaded as a tar archive. */
  bundle: boolean;
  /** Seed 004's tags; a tag is held by one model at a time. */
  tags: string[];
}

export interface ModelRegistryDeps {
  store: StateStore;
  blobs: BlobStore;
  paths: RunPaths;
  events: EventBus;
  logger: Logger;
}

/**
 * The model registry (seed 000's Model Management): uploads, downloads, deletes, and the models that
 * completed runs leave in their output directory, registered as `<recipe>-<run id>` with `run_id`.
 */
export class ModelRegistry {
  private readonly files: FileRegistry<ModelRecord>;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: ModelRegistryDeps) {
    this.files = new FileRegistry<ModelRecord>({
      kind: 'models',
      label: 'Model',
      store: deps.store,
      blobs: deps.blobs,
      buildRecord: (uploaded) => ({
        name: uploaded.name,
        file: uploaded.file,
        size_bytes: uploaded.size_bytes,
        created_at: uploaded.created_at,
        sha256: uploaded.sha256,
        original_filename: uploaded.original_filename,
        run_id: null,
        bundle: false,
      }),
    });
    this.unsubscribe = deps.events.on('run.finished', ({ run }) => this.registerOutputOf(run));
  }

  /**
   * Registers the model a finished run left in its output, in the background (close waits for it): on
   * its end, and at start for a run whose end was recorded but never announced (an agent killed between).
   */
  registerOutputOf(run: Run): void {
    const work = this.registerRunOutput(run).catch((error) =>
      this.deps.logger.error('could not register the model of a run', { run: run.id, error: (error as Error).message }),
    );
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  validName(name: unknown, what?: string): string {
    return this.files.validName(name, what);
  }

  /** Every model, or with `tag` the one that holds it (an empty list when none does). */
  async list(query: { tag?: string } = {}): Promise<ModelInfo[]> {
    const models = (await this.files.list()).map((entry) => this.view(entry));
    return query.tag === undefined ? models : models.filter((model) => model.tags.includes(query.tag!));
  }

  /**
   * Seed 004: gives `tag` to a model, taking it from the model that held it, in one write. A model
   * put in the directory by hand gets a record for it.
   */
  async tag(name: string, tag: string): Promise<ModelInfo> {
    this.files.validName(name);
    const found = await this.files.find(name);
    if (!found?.entry) throw notFound(`Model '${name}' not found`);
    const { store } = this.deps;
    const changed: ModelRecord[] = [];
    for (const record of store.registryRecords('models')) {
      if (record.name !== name && record.tags?.includes(tag)) changed.push({ ...record, tags: record.tags.filter((other) => other !== tag) });
    }
    const record: ModelRecord = found.record ?? {
      name,
      file: found.entry.fileName,
      size_bytes: found.entry.size,
      created_at: found.entry.createdAt,
      sha256: null,
      original_filename: null,
      run_id: null,
      bundle: found.entry.isDirectory,
    };
    if (!record.tags?.includes(tag)) changed.push({ ...record, tags: [...(record.tags ?? []), tag] });
    if (changed.length > 0) await store.saveRegistryRecords('models', changed);
    return this.describe(name);
  }

  /** Takes `tag` off a model; 404 when the model does not hold it. */
  async untag(name: string, tag: string): Promise<ModelInfo> {
    this.files.validName(name);
    const record = this.deps.store.getRegistryRecord('models', name);
    if (!record) await this.describe(name); // 404 for an unknown model
    if (!record?.tags?.includes(tag)) throw notFound(`Model '${name}' does not hold the tag '${tag}'`);
    await this.deps.store.saveRegistryRecords('models', [{ ...record, tags: record.tags.filter((other) => other !== tag) }]);
    return this.describe(name);
  }

  /** The registry's view of one model (the download itself is `openDownload`). */
  async describe(name: string): Promise<ModelInfo> {
    this.files.validName(name);
    const found = await this.files.find(name);
    if (!found?.entry) throw notFound(`Model '${name}' not found`);
    return this.view(found);
  }

  reserve(name: string): Promise<UploadReservation<ModelRecord>> {
    return this.files.reserve(name);
  }

  view(entry: RegistryEntry<ModelRecord>): ModelInfo {
    const size = entry.entry?.size ?? entry.record?.size_bytes ?? 0;
    return {
      name: entry.name,
      size_mb: sizeMb(size),
      created_at: entry.record?.created_at ?? entry.entry?.createdAt ?? new Date(0).toISOString(),
      file_path: entry.entry?.path ?? this.files.blobs.pathOf(entry.record!.file),
      run_id: entry.record?.run_id ?? null,
      size_bytes: size,
      sha256: entry.record?.sha256 ?? null,
      bundle: entry.record?.bundle ?? entry.entry?.isDirectory ?? false,
      tags: entry.record?.tags ?? [],
    };
  }

  async openDownload(name: string): Promise<BlobDownload> {
    return (await this.files.openDownload(name)).download;
  }

  delete(name: string): Promise<void> {
    return this.files.delete(name);
  }

  /**
   * A completed run whose output directory holds a model file (model.json, *.pt, *.safetensors…)
   * registers the first one as `<recipe>-<run id>`; without a file at the top, the shallowest
   * sub-directory that holds one (a TF.js model.json + weights, not its checkpoints/ below) is
   * registered as a bundle named `<directory>-<run id>` (the TF.js trainer names it
   * `<architecture>-<dataset>`). Runs that did not complete register nothing.
   */
  async registerRunOutput(run: Run): Promise<ModelInfo | null> {
    if (run.state !== 'completed') return null;
    const outputDir = this.deps.paths.output(run.id);
    const files = await listOutputFiles(outputDir);
    const topFile = files.find((file) => !file.isDirectory && dirname(file.path) === outputDir && isModelFileName(basename(file.path)));
    const depth = (path: string) => relative(outputDir, path).split(sep).length;
    const nested = topFile
      ? undefined
      : files
          .filter((file) => !file.isDirectory && dirname(file.path) !== outputDir && isModelFileName(basename(file.path)))
          .reduce<(typeof files)[number] | undefined>((best, file) => (!best || depth(file.path) < depth(best.path) ? file : best), undefined);
    const source = topFile?.path ?? (nested ? dirname(nested.path) : null);
    if (!source) return null;
    const bundleName = nested ? `${basename(source)}-${run.id}` : null;
    const name = bundleName && !registryNameProblem(bundleName) ? bundleName : `${run.recipe}-${run.id}`;
    if (registryNameProblem(name)) return null;
    if (!(await this.files.hold(name))) return null; // already registered (a re-attached run finishing again)
    try {
      const bundle = !topFile;
      const fileName = bundle ? name : name + extensionOf(basename(source));
      const entry = await this.files.blobs.importFrom(source, fileName);
      const record: ModelRecord = {
        name,
        file: fileName,
        size_bytes: entry.size,
        created_at: new Date().toISOString(),
        sha256: bundle ? null : await this.files.blobs.sha256(fileName),
        original_filename: basename(source),
        run_id: run.id,
        bundle,
      };
      await this.files.record(record);
      this.deps.logger.info('registered the model of a run', { run: run.id, model: name });
      return this.view({ name, record, entry });
    } finally {
      this.files.unhold(name);
    }
  }

  /** Waits for registrations in progress; called when the agent closes. */
  async close(): Promise<void> {
    this.unsubscribe();
    await Promise.allSettled([...this.pending]);
  }
}
