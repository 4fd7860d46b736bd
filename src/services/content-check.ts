import { Worker } from 'node:worker_threads';
import { ContentLimitError, type ContentLimits } from '../datasets/content-limits.js';
import type { TableFormat } from '../datasets/tabular.js';

/** One uploaded file to parse: an archive of PNG images in class folders, or a table with a label column. */
export type ContentCheckTask = { kind: 'image-archive'; bytes: Uint8Array } | { kind: 'table'; bytes: Uint8Array; format: TableFormat; labelColumn: string };

export interface ContentSummary {
  classes: number;
  /** Images, or rows of a table. */
  imageCount: number;
  features: number;
  imageShape: [number, number, number] | null;
}

export type ContentCheckReply = { ok: ContentSummary } | { error: { message: string; limit: ContentLimitError['limit'] | null } };

export interface ContentCheckOptions {
  limits: ContentLimits;
  /** The longest one check may take; the worker is terminated then. */
  timeoutMs: number;
}

/** The worker's own heap: parsing a table costs ~16× its bytes, and tables over 2 MiB are not parsed at submission. */
const WORKER_HEAP_MB = 256;

/**
 * Parses uploaded content in a worker thread, so that inflating an archive or decoding images never
 * blocks the agent's event loop: the worker has its own heap limit and a time limit, and the archive
 * limits (inflated size, entries, image side) apply inside it. Over a limit: `ContentLimitError`;
 * content that does not parse: a plain `Error` with the parser's message.
 */
export function checkContentOffLoop(task: ContentCheckTask, options: ContentCheckOptions): Promise<ContentSummary> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./content-check-worker.js', import.meta.url), {
      workerData: { task, limits: options.limits },
      transferList: [task.bytes.buffer as ArrayBuffer],
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
      stdout: false,
      stderr: false,
    });
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
      void worker.terminate();
    };
    const timer = setTimeout(
      () =>
        settle(() =>
          reject(
            new ContentLimitError(
              'content_check_timeout_seconds',
              `checking it took longer than ${options.timeoutMs / 1000} s (limit content_check_timeout_seconds, TRAINER_CONTENT_CHECK_TIMEOUT_SECONDS)`,
            ),
          ),
        ),
      options.timeoutMs,
    );
    worker.once('message', (reply: ContentCheckReply) =>
      settle(() => {
        if ('ok' in reply) resolve(reply.ok);
        else reject(reply.error.limit ? new ContentLimitError(reply.error.limit, reply.error.message) : new Error(reply.error.message));
      }),
    );
    worker.once('error', (error: NodeJS.ErrnoException) =>
      settle(() =>
        reject(
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new ContentLimitError('content_check_memory', `parsing it needs more than the check's ${WORKER_HEAP_MB} MiB of memory`)
            : error,
        ),
      ),
    );
    worker.once('exit', (code) => settle(() => reject(new Error(`the content check stopped (exit code ${code}) before it answered`))));
  });
}
