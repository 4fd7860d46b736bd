/**
 * The model and dataset registries: what a name may be, what a record holds, and how a file's name
 * says what it is. Pure: the store writes the files, the services decide.
 */

/**
 * A registry name is also the stem of the file on disk, so it is kept to a conservative alphabet:
 * it cannot hold a path separator, a NUL or control character, start with a dot, or contain `..`.
 */
export const REGISTRY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const REGISTRY_NAME_RULE = '1-128 letters, digits, ".", "_" or "-", starting with a letter or digit, without ".."';

/** Why `name` cannot be a registry name, or null when it can. */
export function registryNameProblem(name: string): string | null {
  if (name.length === 0) return 'must not be empty';
  if (name.length > 128) return `is ${name.length} characters long; the limit is 128`;
  if (!REGISTRY_NAME_PATTERN.test(name) || name.includes('..')) return `must be ${REGISTRY_NAME_RULE}`;
  return null;
}

/** What a completed run leaves behind that counts as a model. */
export const MODEL_FILE_EXTENSIONS = [
  '.safetensors',
  '.pt',
  '.pth',
  '.ckpt',
  '.h5',
  '.keras',
  '.onnx',
  '.pb',
  '.tflite',
  '.joblib',
  '.pkl',
  '.bin',
  '.gguf',
] as const;
/** Files that are models by their whole name (the demo trainer writes model.json). */
export const MODEL_FILE_NAMES = ['model.json'] as const;

export function isModelFileName(fileName: string): boolean {
  const lower = fileName.toLowerCase();
  return (MODEL_FILE_NAMES as readonly string[]).includes(lower) || MODEL_FILE_EXTENSIONS.some((extension) => lower.endsWith(extension));
}

interface BaseRecord {
  name: string;
  /** The file (or, for a model bundle, the directory) inside the registry's directory. */
  file: string;
  size_bytes: number;
  created_at: string;
  /** SHA-256 of the uploaded bytes (absent for directory bundles). */
  sha256: string | null;
  /** The client's file name, as sent in the upload. */
  original_filename: string | null;
}

export interface ModelRecord extends BaseRecord {
  /** The run that produced it, when a completed run registered it. */
  run_id: string | null;
  /** A directory of files (downloaded as a tar archive) rather than one file. */
  bundle: boolean;
  /** Seed 004's tags (`production`, `staging`): one model holds a given tag at a time. */
  tags?: string[];
}

export const MODEL_TAG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface DatasetRecord extends BaseRecord {
  format: string;
  sample_count: number | null;
  dimensions: string | null;
  row_count: number | null;
  column_count: number | null;
  columns: string[] | null;
  file_count: number | null;
  description: string | null;
  note: string | null;
  /**
   * Earlier versions, oldest first (seed 004): each as it was when current, its file moved to the
   * versions directory. The record itself is the current version. Absent before the first new version.
   */
  previous_versions?: DatasetVersionRecord[];
}

/** One earlier version of a dataset: its record as it was, the file in the versions directory. */
export type DatasetVersionRecord = Omit<DatasetRecord, 'previous_versions'>;

/** The shortest version prefix accepted when pinning a dataset (`iris@3fa2c1`). */
export const MIN_VERSION_PREFIX = 4;

/**
 * Splits a dataset reference `name` or `name@<sha256 prefix>`; the version is lower-cased. Null
 * version when none is pinned; a string problem when the pin is malformed.
 */
export function parseDatasetRef(ref: string): { name: string; version: string | null } | string {
  const at = ref.indexOf('@');
  if (at === -1) return { name: ref, version: null };
  const name = ref.slice(0, at);
  const version = ref.slice(at + 1).toLowerCase();
  if (!/^[0-9a-f]+$/.test(version) || version.length < MIN_VERSION_PREFIX || version.length > 64) {
    return `the version in '${ref.slice(0, 200)}' must be ${MIN_VERSION_PREFIX} to 64 hex digits of the dataset's SHA-256`;
  }
  return { name, version };
}

/** The name a version's file has in the versions directory: `<name>@<sha256><ext>`. */
export function versionFileName(name: string, sha256: string, file: string): string {
  return `${name}@${sha256}${extensionOf(file)}`;
}

export type RegistryKind = 'models' | 'datasets';

/**
 * The extension to keep from an uploaded file name (`.pth`, `.csv`, `.tar.gz`), lower-cased, or ''
 * when there is none worth keeping. Only the last path segment counts, whatever the client sent.
 */
export function extensionOf(fileName: string | null | undefined): string {
  if (!fileName) return '';
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const match = /(\.tar\.(?:gz|bz2|xz|zst)|\.[A-Za-z0-9]{1,16})$/.exec(base);
  if (!match || match.index === 0) return '';
  return match[1]!.toLowerCase();
}

/** The registry name of a file that was put in the directory by hand: its name without the extension. */
export function stemOf(fileName: string): string {
  const extension = extensionOf(fileName);
  return extension ? fileName.slice(0, fileName.length - extension.length) : fileName;
}

export const DATASET_FORMAT_BY_EXTENSION: Record<string, string> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.json': 'json',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.zip': 'archive',
  '.tar': 'archive',
  '.tar.gz': 'archive',
  '.tgz': 'archive',
  '.gz': 'gzip',
  '.tar.bz2': 'archive',
  '.tar.xz': 'archive',
  '.tar.zst': 'archive',
  '.npz': 'numpy',
  '.npy': 'numpy',
  '.parquet': 'parquet',
};

export function datasetFormatOf(fileName: string): string {
  return DATASET_FORMAT_BY_EXTENSION[extensionOf(fileName)] ?? 'file';
}

/** Seed 000 gives sizes in MiB; two decimals, so that small files do not all read 0. */
export function sizeMb(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 100) / 100;
}
