import { once } from 'node:events';
import { createGunzip } from 'node:zlib';
import { DEFAULT_CONTENT_LIMITS, inflatedLimitError, type ContentLimits } from '../datasets/content-limits.js';
import { BUILTIN_DATASETS, findBuiltinDataset, type BuiltinDataset } from '../datasets/builtin-datasets.js';
import { CsvInspector, JsonInspector, TarInspector, inspectZip, malformed, type Inspection, type StreamInspector } from '../datasets/dataset-inspection.js';
import { datasetFormatOf, extensionOf, parseDatasetRef, sizeMb, versionFileName, type DatasetRecord, type DatasetVersionRecord } from '../domain/registry.js';
import { conflict, invalid, notFound } from '../errors.js';
import type { BlobDownload, BlobStore } from '../store/blob-store.js';
import type { StateStore } from '../store/state-store.js';
import { FileRegistry, type RegistryEntry, type UploadInspector, type UploadReservation } from './file-registry.js';

/** Seed 000's dataset shape, with seed 003's table introspection (`row_count`, `column_count`, `columns`). */
export interface DatasetInfo {
  name: string;
  size_mb: number;
  sample_count: number | null;
  format: string;
  dimensions: string | null;
  created_at: string | null;
  file_path: string | null;
  description?: string;
  builtin: boolean;
  row_count: number | null;
  column_count: number | null;
  columns: string[] | null;
  file_count: number | null;
  size_bytes: number;
  sha256: string | null;
  note: string | null;
  /** The current version: the SHA-256 of its file (null for built-in and hand-placed datasets). */
  version: string | null;
  /** How many versions it has (seed 004). */
  versions: number;
}

/** One version of a dataset (seed 004's shape: `version`, `hash`, `created_at`, `size`), newest first. */
export interface DatasetVersionInfo {
  version: string;
  hash: string;
  created_at: string;
  size: number;
  size_mb: number;
  format: string;
  row_count: number | null;
  column_count: number | null;
  original_filename: string | null;
  current: boolean;
}

/** What a run's dataset parameter resolved to: the name, the exact version, and its file. */
export interface ResolvedDataset {
  name: string;
  /** SHA-256 of the version, or null for built-in and hand-placed datasets (not versioned). */
  version: string | null;
  path: string | null;
}

/**
 * The dataset registry: the built-in generated datasets, datasets uploaded through the API (inspected
 * as they stream in, their metadata in the state document) and files put in the datasets directory
 * by hand (listed by file name, not inspected).
 */
export class DatasetCatalog {
  private readonly files: FileRegistry<DatasetRecord>;

  constructor(
    blobs: BlobStore,
    private readonly store: StateStore,
    /** Where earlier versions' files go (a hidden directory inside the datasets directory). */
    private readonly archive: BlobStore,
    limits: ContentLimits = DEFAULT_CONTENT_LIMITS,
  ) {
    this.files = new FileRegistry<DatasetRecord>({
      versioning: { archive, previousVersions: (record) => record.previous_versions ?? [] },
      kind: 'datasets',
      label: 'Dataset',
      store,
      blobs,
      isBuiltin: (name) => findBuiltinDataset(name) !== undefined,
      inspectorFor: (filename) => inspectorFor(filename, limits),
      buildRecord: (uploaded, fields, previous) => {
        const inspection = uploaded.inspection;
        const format = datasetFormatOf(uploaded.file);
        const table = inspection?.row_count !== null && inspection?.row_count !== undefined;
        return {
          name: uploaded.name,
          file: uploaded.file,
          size_bytes: uploaded.size_bytes,
          created_at: uploaded.created_at,
          sha256: uploaded.sha256,
          original_filename: uploaded.original_filename,
          format,
          sample_count: table ? inspection!.row_count : (inspection?.file_count ?? null),
          dimensions: inspection?.column_count !== null && inspection?.column_count !== undefined ? String(inspection.column_count) : null,
          row_count: inspection?.row_count ?? null,
          column_count: inspection?.column_count ?? null,
          columns: inspection?.columns ?? null,
          file_count: inspection?.file_count ?? null,
          description: fields.description?.slice(0, 4096) || previous?.description || null,
          note: inspection?.note ?? (inspection ? null : `Not inspected: ${format === 'file' ? 'unknown format' : `the ${format} format is stored as is`}.`),
          ...(previous ? { previous_versions: [...(previous.previous_versions ?? []), withoutHistory(previous)] } : {}),
        };
      },
    });
  }

  async list(): Promise<DatasetInfo[]> {
    return [...BUILTIN_DATASETS.map(builtinView), ...(await this.files.list()).map((entry) => this.view(entry))];
  }

  async get(name: string): Promise<DatasetInfo> {
    const builtin = findBuiltinDataset(name);
    if (builtin) return builtinView(builtin);
    const found = await this.files.find(name);
    if (!found?.entry) throw notFound(`Dataset '${name}' not found`);
    return this.view(found);
  }

  validName(name: unknown, what?: string): string {
    return this.files.validName(name, what);
  }

  /** `newVersion`: an existing name gets the upload as its new version instead of a 409. */
  reserve(name: string, options: { newVersion?: boolean } = {}): Promise<UploadReservation<DatasetRecord>> {
    return this.files.reserve(name, options);
  }

  /** The current version's file, or with `version` (a SHA-256 prefix) that version's. */
  async openDownload(name: string, version?: string): Promise<BlobDownload> {
    if (version === undefined) return (await this.files.openDownload(name)).download;
    const resolved = await this.resolve(`${name}@${version}`);
    const record = this.store.getRegistryRecord('datasets', resolved.name)!;
    const current = record.sha256 === resolved.version;
    const file = current ? record.file : record.previous_versions!.find((candidate) => candidate.sha256 === resolved.version)!.file;
    const download = await (current ? this.files.blobs : this.archive).openDownload(file);
    if (!download) throw notFound(`Version ${resolved.version!.slice(0, 12)} of dataset '${name}' is registered, but its file is missing`);
    return { ...download, downloadName: current ? download.downloadName : `${name}-${resolved.version!.slice(0, 12)}${extensionOf(file)}` };
  }

  /** Seed 004: every version of an uploaded dataset, newest first; 404 when the name is unknown. */
  async versions(name: string): Promise<DatasetVersionInfo[]> {
    const dataset = await this.get(name);
    const record = this.store.getRegistryRecord('datasets', name);
    if (!record || !dataset.sha256) return []; // built in, or put in the directory by hand: not versioned
    const all: { record: DatasetVersionRecord; current: boolean }[] = [
      ...(record.previous_versions ?? []).map((previous) => ({ record: previous, current: false })),
      { record, current: true },
    ];
    return all.reverse().map(({ record: version, current }) => ({
      version: version.sha256!,
      hash: version.sha256!,
      created_at: version.created_at,
      size: version.size_bytes,
      size_mb: sizeMb(version.size_bytes),
      format: version.format,
      row_count: version.row_count,
      column_count: version.column_count,
      original_filename: version.original_filename,
      current,
    }));
  }

  /**
   * A run's dataset parameter, `name` or `name@<sha256 prefix>`: 404 for an unknown name, 422 for a
   * version the dataset does not have (or a pin on a dataset without versions, or an ambiguous prefix).
   */
  async resolve(ref: string): Promise<ResolvedDataset> {
    const parsed = parseDatasetRef(ref);
    if (typeof parsed === 'string') throw invalid(parsed);
    const dataset = await this.get(parsed.name);
    const record = this.store.getRegistryRecord('datasets', parsed.name);
    if (!record || !record.sha256) {
      if (parsed.version) throw invalid(`Dataset '${parsed.name}' is ${dataset.builtin ? 'built in' : 'not an upload'} and has no versions to pin`);
      return { name: parsed.name, version: null, path: dataset.file_path };
    }
    if (!parsed.version) return { name: parsed.name, version: record.sha256, path: this.files.blobs.pathOf(record.file) };
    const candidates = [
      { version: record, blobs: this.files.blobs },
      ...(record.previous_versions ?? []).map((version) => ({ version, blobs: this.archive })),
    ].filter(({ version }) => version.sha256?.startsWith(parsed.version!));
    if (candidates.length === 0)
      throw invalid(`Dataset '${parsed.name}' has no version ${parsed.version} (GET /api/v1/datasets/${parsed.name}/versions lists them)`);
    if (candidates.length > 1) throw invalid(`Version ${parsed.version} of dataset '${parsed.name}' is ambiguous: give more digits`);
    const [{ version, blobs }] = candidates as [(typeof candidates)[number]];
    return { name: parsed.name, version: version.sha256, path: blobs.pathOf(version.file) };
  }

  /**
   * The file a run is given for a dataset version: one that no later upload replaces. An earlier
   * version's file is that already; the current version gets a link under its hash beside them.
   */
  async stablePath(name: string, version: string | null): Promise<string | null> {
    const resolved = await this.resolve(version ? `${name}@${version}` : name);
    if (!resolved.version) return resolved.path;
    return this.files.exclusively(resolved.name, async () => {
      const record = this.store.getRegistryRecord('datasets', resolved.name);
      if (!record || record.sha256 !== resolved.version) return (await this.resolve(`${resolved.name}@${resolved.version}`)).path;
      const archived = versionFileName(record.name, resolved.version!, record.file);
      await this.files.blobs.linkTo(record.file, this.archive, archived);
      return this.archive.pathOf(archived);
    });
  }

  /** Deletes the dataset and every version of it; a 409 while a queued or running run trains on it. */
  delete(name: string): Promise<void> {
    const users = this.store.runs
      .filter((run) => (run.state === 'queued' || run.state === 'running') && Object.values(run.datasets ?? {}).some((dataset) => dataset.name === name))
      .map((run) => run.id);
    if (users.length > 0) {
      const listed = users.slice(0, 5).join(', ') + (users.length > 5 ? ` and ${users.length - 5} more` : '');
      throw conflict(
        `Dataset '${name}' is used by ${users.length === 1 ? 'run' : 'runs'} ${listed}, queued or running: stop ${users.length === 1 ? 'it' : 'them'} first`,
      );
    }
    return this.files.delete(name);
  }

  view(entry: RegistryEntry<DatasetRecord>): DatasetInfo {
    const record = entry.record;
    const size = entry.entry?.size ?? record?.size_bytes ?? 0;
    const format = record?.format ?? (entry.entry?.isDirectory ? 'images' : datasetFormatOf(entry.entry?.fileName ?? ''));
    return {
      name: entry.name,
      size_mb: sizeMb(size),
      sample_count: record?.sample_count ?? null,
      format,
      dimensions: record?.dimensions ?? null,
      created_at: record?.created_at ?? entry.entry?.createdAt ?? null,
      file_path: entry.entry?.path ?? null,
      ...(record?.description ? { description: record.description } : {}),
      builtin: false,
      row_count: record?.row_count ?? null,
      column_count: record?.column_count ?? null,
      columns: record?.columns ?? null,
      file_count: record?.file_count ?? null,
      size_bytes: size,
      sha256: record?.sha256 ?? null,
      note: record ? record.note : 'Put in the datasets directory by hand: not inspected.',
      version: record?.sha256 ?? null,
      versions: record ? 1 + (record.previous_versions?.length ?? 0) : 0,
    };
  }
}

function builtinView(dataset: BuiltinDataset): DatasetInfo {
  return {
    name: dataset.name,
    size_mb: 0,
    sample_count: dataset.samples,
    format: 'generated',
    dimensions: String(dataset.features),
    created_at: null,
    file_path: null,
    description: `${dataset.description} ${dataset.classes} classes.`,
    builtin: true,
    row_count: dataset.samples,
    column_count: dataset.features + 1,
    columns: [...Array.from({ length: dataset.features }, (_, index) => `x${index}`), 'label'],
    file_count: null,
    size_bytes: 0,
    sha256: null,
    note: null,
    version: null,
    versions: 0,
  };
}

function withoutHistory(record: DatasetRecord): DatasetVersionRecord {
  const { previous_versions: _history, ...version } = record;
  return version;
}

/** The inspector for an uploaded file, chosen by its extension; null when the format is stored as is. */
export function inspectorFor(filename: string | null, limits: ContentLimits = DEFAULT_CONTENT_LIMITS): UploadInspector | null {
  const extension = extensionOf(filename);
  const streaming = (inspector: StreamInspector): UploadInspector => ({ push: (chunk) => inspector.push(chunk), finish: () => inspector.finish() });
  switch (extension) {
    case '.csv':
      return streaming(new CsvInspector(0x2c, 'CSV'));
    case '.tsv':
      return streaming(new CsvInspector(0x09, 'TSV'));
    case '.json':
      return streaming(new JsonInspector(false));
    case '.jsonl':
    case '.ndjson':
      return streaming(new JsonInspector(true));
    case '.tar':
      return streaming(new TarInspector());
    case '.tar.gz':
    case '.tgz':
      return gzippedTar(limits);
    case '.zip':
      return { push: () => {}, finish: (read, size) => inspectZip(read, size) };
    default:
      return null;
  }
}

/**
 * A .tar.gz is inflated as it streams in and its tar headers walked: only the counters are kept.
 * Inflating stops at `max_inflated_mb`: the file is stored, its entries are not counted, and the note
 * says why (a training check refuses it with 413).
 */
function gzippedTar(limits: ContentLimits): UploadInspector {
  const tar = new TarInspector('tar.gz archive');
  const gunzip = createGunzip();
  let failure: Error | null = null;
  let inflated = 0;
  let overLimit = false;
  gunzip.on('data', (chunk: Buffer) => {
    if (failure || overLimit) return;
    inflated += chunk.length;
    if (inflated > limits.maxInflatedBytes) {
      overLimit = true;
      gunzip.destroy();
      return;
    }
    try {
      tar.push(chunk);
    } catch (error) {
      failure = error as Error;
    }
  });
  gunzip.on('error', (error) => {
    failure ??= malformed('tar.gz archive', null, `not valid gzip data (${error.message})`);
  });
  return {
    push: (chunk) =>
      new Promise<void>((resolve, reject) => {
        if (overLimit) return resolve();
        if (failure || gunzip.destroyed) return reject(failure ?? malformed('tar.gz archive', null, 'not valid gzip data'));
        // zlib does not call back a write that its own error interrupted: 'close' settles it then
        const onClose = () => (overLimit ? resolve() : reject(failure ?? malformed('tar.gz archive', null, 'not valid gzip data')));
        gunzip.once('close', onClose);
        gunzip.write(chunk, (error) => {
          gunzip.off('close', onClose);
          if (overLimit) resolve();
          else if (failure || error) reject(failure ?? error);
          else resolve();
        });
      }),
    finish: async (): Promise<Inspection> => {
      if (overLimit) {
        return { row_count: null, column_count: null, columns: null, file_count: null, note: `Not inspected: ${inflatedLimitError('it', limits).message}.` };
      }
      if (!failure) {
        gunzip.end();
        await Promise.race([once(gunzip, 'end'), once(gunzip, 'close')]).catch(() => {});
      }
      if (failure) throw failure;
      return tar.finish();
    },
  };
}
