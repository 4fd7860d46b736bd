import { freemem } from 'node:os';
import { basename } from 'node:path';
import { findBuiltinDataset } from '../datasets/builtin-datasets.js';
import { ContentLimitError, DEFAULT_CONTENT_LIMITS } from '../datasets/content-limits.js';
import { labelColumnOf, type TableFormat } from '../datasets/tabular.js';
import { trainingPlanProblems, type DatasetShape } from '../domain/training-plan.js';
import { AppError, ErrorCode, invalid } from '../errors.js';
import { checkContentOffLoop, type ContentCheckOptions } from './content-check.js';
import { ConcurrencyGate } from './concurrency-gate.js';
import type { DatasetCatalog } from './dataset-catalog.js';

/** Checks a run's parameters as a whole before it is accepted; throws a coded error (422) with the reasons. */
export type ParamsValidator = (params: Record<string, unknown>) => Promise<void>;

const TABLE_FORMATS: Record<string, TableFormat> = { csv: 'csv', tsv: 'tsv', json: 'json', jsonl: 'jsonl' };
/** Files up to this size are read at submission (in a worker thread) to count their label classes; bigger ones are checked by the trainer when it starts. */
const MAX_INSPECTED_BYTES = 2 * 1024 * 1024;
/** Parsed rows and tensors cost this many times the file's bytes (the trainer uses the same estimate). */
const MEMORY_PER_FILE_BYTE = 16;
/** Content checks at once: each worker may fill its whole heap (256 MiB), so many submissions at once must not mean as many workers. */
const MAX_CONCURRENT_CHECKS = 2;
/** Submissions that wait for a check; one more is answered 429. */
const MAX_WAITING_CHECKS = 32;

/**
 * The TF.js recipe's check: the dataset exists in a form the trainer reads, fits in memory, and the
 * architecture and loss make sense for its input shape and class count (mse on a 10-class label,
 * bce with 3 classes, a cnn on feature vectors are refused here rather than failing later).
 */
export function tfjsParamsValidator(
  datasets: DatasetCatalog,
  check: ContentCheckOptions = { limits: DEFAULT_CONTENT_LIMITS, timeoutMs: 30_000 },
): ParamsValidator {
  const checks = new ConcurrencyGate(MAX_CONCURRENT_CHECKS, MAX_WAITING_CHECKS, 'dataset content checks');
  return async (params) => {
    const shape = await datasetShape(
      datasets,
      check,
      checks,
      String(params.dataset_name),
      typeof params.label_column === 'string' ? params.label_column : '',
      Number(params.samples ?? 0),
    );
    const problems = trainingPlanProblems({
      architecture: String(params.model_architecture),
      loss: String(params.loss_function),
      optimizer: String(params.optimizer),
      dataset: shape,
    });
    if (problems.length > 0) throw invalid(problems.join('; '));
  };
}

async function datasetShape(
  datasets: DatasetCatalog,
  check: ContentCheckOptions,
  checks: ConcurrencyGate,
  name: string,
  labelColumn: string,
  samples: number,
): Promise<DatasetShape> {
  const builtin = findBuiltinDataset(name);
  if (builtin) {
    refuseIfTooBig((samples || builtin.samples) * builtin.features * 8 * 3, name);
    return { name, classes: builtin.classes, features: builtin.features, imageShape: builtin.imageShape ?? null };
  }
  const info = await datasets.get(name);
  const format = Object.hasOwn(TABLE_FORMATS, info.format) ? TABLE_FORMATS[info.format] : undefined;
  const imageArchive = info.format === 'archive' && /\.(tar|tar\.gz|tgz)$/.test(info.file_path ?? '');
  if (!format && !imageArchive) {
    throw invalid(
      `dataset '${name}' is ${info.format} (${basename(info.file_path ?? '')}): the TF.js trainer reads CSV, TSV and JSON tables, and tar or tar.gz archives of PNG images in class folders`,
    );
  }
  if (info.size_bytes > MAX_INSPECTED_BYTES) {
    // too big to read at every submission: the trainer checks it, and refuses it if it does not fit;
    // the label column is checked against the columns the upload's inspection recorded
    refuseIfTooBig(info.size_bytes * (imageArchive ? 1 : MEMORY_PER_FILE_BYTE), name);
    if (format && info.columns) {
      try {
        labelColumnOf({ columns: info.columns, rows: [] }, labelColumn || undefined);
      } catch (error) {
        throw invalid(`dataset '${name}': ${(error as Error).message}`);
      }
    }
    return { name, classes: 2, features: Math.max(1, (info.column_count ?? 2) - 1), imageShape: imageArchive ? [1, 1, 1] : null };
  }
  if (!imageArchive) refuseIfTooBig(info.size_bytes * MEMORY_PER_FILE_BYTE, name);
  // read inside the gate too: a waiting submission holds no copy of the file
  return checks.run(async () => {
    const download = await datasets.openDownload(name);
    const chunks: Buffer[] = [];
    for await (const chunk of download.stream) chunks.push(chunk as Buffer);
    const bytes = new Uint8Array(Buffer.concat(chunks));
    try {
      const summary = await checkContentOffLoop(
        imageArchive ? { kind: 'image-archive', bytes } : { kind: 'table', bytes, format: format!, labelColumn },
        check,
      );
      if (imageArchive) refuseIfTooBig(summary.imageCount * summary.features * 8 * 3, name);
      return { name, classes: summary.classes, features: summary.features, imageShape: summary.imageShape };
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (error instanceof ContentLimitError) throw new AppError(ErrorCode.PayloadTooLarge, `dataset '${name}': ${error.message}`);
      throw invalid(`dataset '${name}': ${(error as Error).message}`);
    }
  });
}

function refuseIfTooBig(estimatedBytes: number, name: string): void {
  const available = freemem() * 0.8;
  if (estimatedBytes > available) {
    throw invalid(
      `dataset '${name}' does not fit in memory: training it needs about ${Math.round(estimatedBytes / 1048576)} MiB, and ${Math.round(available / 1048576)} MiB are free`,
    );
  }
}
