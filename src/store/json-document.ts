import { mkdir } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import { AppError, ErrorCode, diskFull, isDiskFull } from '../errors.js';
import { PrivateJsonFile } from './private-json-file.js';

/**
 * One lowdb document of the data dir (written atomically: temp file, then rename). Callers mutate
 * `data`, then `save()`. `secret` documents hold secrets (signing secrets, webhook URLs): mode 0600 from their first byte.
 */
export class JsonDocument<Data extends { version: 1 }> {
  private retry: NodeJS.Timeout | null = null;

  private constructor(
    private readonly db: Low<Data>,
    private readonly path: string,
  ) {}

  /** Opens (or starts) the document; one that is unreadable or of another kind stops the agent with a clear error. */
  static async open<Data extends { version: 1 }>(path: string, options: { kind: string; empty: Data; secret?: boolean }): Promise<JsonDocument<Data>> {
    await mkdir(dirname(path), { recursive: true });
    const db = new Low<Data>(options.secret ? new PrivateJsonFile<Data>(path) : new JSONFile<Data>(path), options.empty);
    try {
      await db.read();
    } catch (error) {
      throw new AppError(ErrorCode.Config, `Cannot read ${path}: ${(error as Error).message}`);
    }
    if (db.data?.version !== 1) throw new AppError(ErrorCode.Config, `${path} is not a trainer ${options.kind} document (version 1).`);
    return new JsonDocument(db, path);
  }

  get data(): Data {
    return this.db.data;
  }

  /**
   * Writes the document. On a full disk the caller hears 507 (`insufficient_storage`); the data stays
   * as changed in memory and is written by the next save that succeeds, or a retry every few seconds.
   */
  async save(): Promise<void> {
    try {
      await this.db.write();
    } catch (error) {
      if (!isDiskFull(error)) throw error;
      this.retry ??= setInterval(() => void this.save().catch(() => {}), 2000).unref();
      const full = diskFull(`save ${basename(this.path)}`, error);
      full.message += ' The change is kept in memory and saved once space returns.';
      throw full;
    }
    if (this.retry) {
      clearInterval(this.retry);
      this.retry = null;
    }
  }
}

/** Drops the oldest of `records` matching `finished` beyond `keep`; the others stay in order. */
export function pruneOldest<T>(records: T[], finished: (record: T) => boolean, keep: number): T[] {
  const done = records.filter(finished);
  if (done.length <= keep) return records;
  const drop = new Set(done.slice(0, done.length - keep));
  return records.filter((record) => !drop.has(record));
}
