import { readdirSync, readFileSync, statSync } from 'node:fs';
import { freemem } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { findBuiltinDataset, seededRandom } from '../datasets/builtin-datasets.js';
import { loadImageArchive, summarizeImageArchive } from '../datasets/image-archive.js';
import { encodeTable, labelColumnOf, parseTable, type TableFormat } from '../datasets/tabular.js';

export interface TrainingData {
  name: string;
  x: number[][];
  y: number[];
  classes: number;
  classNames: string[];
  features: number;
  imageShape: [number, number, number] | null;
  notes: string[];
}

const TABLE_EXTENSIONS: Record<string, TableFormat> = { '.csv': 'csv', '.tsv': 'tsv', '.json': 'json', '.jsonl': 'jsonl', '.ndjson': 'jsonl' };
const IMAGE_ARCHIVE_EXTENSIONS = ['.tar', '.tar.gz', '.tgz'];
/** Parsed JS rows cost far more than the file's bytes: strings, arrays of doubles, then float32 tensors. */
const MEMORY_PER_FILE_BYTE = 16;

export function loadTrainingData(options: { dataset: string; samples: number; seed: number; labelColumn?: string; datasetsDir?: string }): TrainingData {
  const builtin = findBuiltinDataset(options.dataset);
  if (builtin) {
    const samples = options.samples || builtin.samples;
    refuseIfTooBig(samples * builtin.features * 8 * 3, `${samples} samples × ${builtin.features} features`);
    const { x, y } = builtin.generate(samples, options.seed);
    return {
      name: builtin.name,
      x: builtin.imageShape ? x : normalizeColumns(x),
      y,
      classes: builtin.classes,
      classNames: Array.from({ length: builtin.classes }, (_, index) => String(index)),
      features: builtin.features,
      imageShape: builtin.imageShape ?? null,
      notes: [],
    };
  }
  const file = findDatasetFile(options.dataset, options.datasetsDir);
  const size = statSync(file.path).size;
  if (file.format === 'images') return loadImages(options.dataset, file.path, options.samples);
  refuseIfTooBig(size * MEMORY_PER_FILE_BYTE, `the file is ${(size / 1024 / 1024).toFixed(1)} MiB`);
  const table = parseTable(readFileSync(file.path, 'utf8'), file.format);
  const encoded = encodeTable(table, labelColumnOf(table, options.labelColumn || undefined));
  const limit = options.samples > 0 ? Math.min(options.samples, encoded.x.length) : encoded.x.length;
  return {
    name: options.dataset,
    x: encoded.x.slice(0, limit),
    y: encoded.y.slice(0, limit),
    classes: encoded.classNames.length,
    classNames: encoded.classNames,
    features: encoded.featureNames.length,
    imageShape: null,
    notes: encoded.notes,
  };
}

/** Shuffled (seeded) training and validation indices. */
export function splitIndices(count: number, validationFraction: number, seed: number): { training: number[]; validation: number[] } {
  const order = [...Array(count).keys()];
  const random = seededRandom(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const validationCount = validationFraction > 0 ? Math.max(1, Math.floor(count * validationFraction)) : 0;
  return { validation: order.slice(0, validationCount), training: order.slice(validationCount) };
}

function loadImages(name: string, path: string, samples: number): TrainingData {
  const archive = readFileSync(path);
  const summary = summarizeImageArchive(archive);
  const count = samples > 0 ? Math.min(samples, summary.imageCount) : summary.imageCount;
  refuseIfTooBig(count * summary.imageShape.reduce((product, value) => product * value, 1) * 8 * 3, `${count} images of ${summary.imageShape.join('×')}`);
  const images = loadImageArchive(archive, count);
  return {
    name,
    x: images.x,
    y: images.y,
    classes: images.classNames.length,
    classNames: images.classNames,
    features: images.x[0]!.length,
    imageShape: images.imageShape,
    notes: [`${images.x.length} PNG images in ${images.classNames.length} class folders, each ${images.imageShape.join('×')} (height × width × channels)`],
  };
}

function findDatasetFile(name: string, datasetsDir: string | undefined): { path: string; format: TableFormat | 'images' } {
  if (!datasetsDir) throw new Error(`dataset '${name}' is not built in, and TRAINER_DATASETS_DIR is not set to find its file`);
  let entries: string[] = [];
  try {
    entries = readdirSync(datasetsDir);
  } catch {
    // no uploads yet
  }
  for (const [extension, format] of Object.entries(TABLE_EXTENSIONS)) {
    if (entries.includes(name + extension)) return { path: join(datasetsDir, name + extension), format };
  }
  for (const extension of IMAGE_ARCHIVE_EXTENSIONS) {
    if (entries.includes(name + extension)) return { path: join(datasetsDir, name + extension), format: 'images' };
  }
  const other = entries.find((entry) => entry.startsWith(name + '.'));
  if (other)
    throw new Error(
      `dataset '${name}' is ${other}: the TF.js trainer reads CSV, TSV and JSON tables, and tar or tar.gz archives of PNG images in class folders`,
    );
  throw new Error(`dataset '${name}' not found in ${datasetsDir}`);
}

/** Refuses, before anything is allocated, a dataset that would not fit the heap or the free memory. */
function refuseIfTooBig(estimatedBytes: number, what: string): void {
  const heap = getHeapStatistics();
  const budget = Math.min(heap.heap_size_limit - heap.used_heap_size, freemem()) * 0.8;
  if (estimatedBytes > budget) {
    throw new Error(`the dataset does not fit in memory: ${what} needs about ${mib(estimatedBytes)} MiB, and ${mib(budget)} MiB are available`);
  }
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(0);
}

function normalizeColumns(rows: number[][]): number[][] {
  const width = rows[0]?.length ?? 0;
  const mean = new Array<number>(width).fill(0);
  const std = new Array<number>(width).fill(0);
  for (const row of rows) row.forEach((value, column) => (mean[column]! += value / rows.length));
  for (const row of rows) row.forEach((value, column) => (std[column]! += (value - mean[column]!) ** 2 / rows.length));
  return rows.map((row) => row.map((value, column) => (value - mean[column]!) / (Math.sqrt(std[column]!) || 1)));
}
