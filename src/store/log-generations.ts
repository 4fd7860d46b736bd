import { closeSync, openSync, readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { openIfExists } from './open-if-exists.js';

/**
 * A run's log is one stream of bytes, cut into generations when run_log_cap_mb rotates it: log.jsonl
 * (the newest) and log.1.jsonl (the one before; older ones are dropped). Positions in it (the API's
 * log cursor, a stream's `l<n>`, a checkpoint's log offset) count bytes from the log's very start,
 * dropped generations included, so that a position taken before a rotation still means the same line
 * after it. Each generation after the first begins with the writer's note of the rotation, which says
 * in LOG_OFFSET_FIELD where that generation begins.
 */
export const LOG_OFFSET_FIELD = 'log_offset';

/** How much of a generation's start is looked at for the rotation note (its first line, in practice). */
const HEAD_BYTES = 4096;

/** The file a rotated log's previous generation is kept in. */
export function rotatedLogPath(logPath: string): string {
  return logPath.replace(/\.jsonl$/, '') + '.1.jsonl';
}

/** Where the generation whose first bytes are `head` begins in the whole log: its rotation note's offset, or 0 (the first generation). */
export function generationStart(head: Buffer): number {
  const text = head.toString('utf8', 0, head.lastIndexOf(10) + 1);
  for (const line of text.split('\n')) {
    if (!line.includes(LOG_OFFSET_FIELD)) continue;
    try {
      const record = JSON.parse(line) as { stream?: unknown; [LOG_OFFSET_FIELD]?: unknown };
      const offset = record[LOG_OFFSET_FIELD];
      // the agent's own note only: a line the training printed may say anything
      if (record.stream === 'agent' && typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0) return offset;
    } catch {
      // not a whole record
    }
  }
  return 0;
}

export function generationStartOfFile(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return 0;
  }
  try {
    const head = Buffer.alloc(HEAD_BYTES);
    return generationStart(head.subarray(0, readSync(fd, head, 0, HEAD_BYTES, 0)));
  } finally {
    closeSync(fd);
  }
}

export async function generationStartOf(handle: FileHandle): Promise<number> {
  const head = Buffer.alloc(HEAD_BYTES);
  const { bytesRead } = await handle.read(head, 0, HEAD_BYTES, 0);
  return generationStart(head.subarray(0, bytesRead));
}

/** One generation of a run's log, open: where it begins in the whole log and how many bytes it has. */
export interface LogGeneration {
  handle: FileHandle;
  start: number;
  size: number;
}

/**
 * The log's generations on disk, oldest first, open (close them with `closeGenerations`). Opened newest
 * first and checked against a rotation that happens meanwhile (log.1.jsonl would then be the file just
 * opened as log.jsonl).
 */
export async function openGenerations(logPath: string): Promise<LogGeneration[]> {
  for (let attempt = 0; ; attempt++) {
    const current = await openIfExists(logPath);
    if (!current) return [];
    const previous = await openIfExists(rotatedLogPath(logPath));
    const [currentStat, previousStat] = await Promise.all([current.stat(), previous?.stat()]);
    if (previous && previousStat!.ino === currentStat.ino && attempt < 3) {
      await closeGenerations([
        { handle: current, start: 0, size: 0 },
        { handle: previous, start: 0, size: 0 },
      ]);
      continue;
    }
    const generations: LogGeneration[] = [];
    if (previous) generations.push({ handle: previous, start: await generationStartOf(previous), size: previousStat!.size });
    generations.push({ handle: current, start: await generationStartOf(current), size: currentStat.size });
    return generations;
  }
}

export async function closeGenerations(generations: readonly LogGeneration[]): Promise<void> {
  await Promise.all(generations.map((generation) => generation.handle.close().catch(() => {})));
}
