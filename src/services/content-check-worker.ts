import { parentPort, workerData } from 'node:worker_threads';
import { ContentLimitError, type ContentLimits } from '../datasets/content-limits.js';
import { summarizeImageArchive } from '../datasets/image-archive.js';
import { distinctLabels, labelColumnOf, parseTable } from '../datasets/tabular.js';
import type { ContentCheckTask, ContentCheckReply } from './content-check.js';

/** Runs in a worker thread (see content-check.ts): parses one uploaded file and posts what it found. */
function inspect(task: ContentCheckTask, limits: ContentLimits): ContentCheckReply {
  const bytes = Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength);
  if (task.kind === 'image-archive') {
    const summary = summarizeImageArchive(bytes, limits);
    return {
      ok: {
        classes: summary.classNames.length,
        imageCount: summary.imageCount,
        imageShape: summary.imageShape,
        features: summary.imageShape.reduce((product, value) => product * value, 1),
      },
    };
  }
  const table = parseTable(bytes.toString('utf8'), task.format);
  const label = labelColumnOf(table, task.labelColumn || undefined);
  return { ok: { classes: distinctLabels(table, label).length, imageCount: table.rows.length, imageShape: null, features: table.columns.length - 1 } };
}

const { task, limits } = workerData as { task: ContentCheckTask; limits: ContentLimits };
let reply: ContentCheckReply;
try {
  reply = inspect(task, limits);
} catch (error) {
  reply = { error: { message: (error as Error).message, limit: error instanceof ContentLimitError ? error.limit : null } };
}
parentPort!.postMessage(reply);
