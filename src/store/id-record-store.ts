import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import { AppError, ErrorCode } from '../errors.js';

type Document<T> = { version: 1 } & Record<string, T[] | 1>;

/**
 * A lowdb document holding one collection of records keyed by `id` (`{"version": 1, "<kind>": [...]}`),
 * written atomically (temp file + rename) after every change.
 */
export class IdRecordStore<T extends { id: string }> {
  private constructor(
    private readonly db: Low<Document<T>>,
    private readonly kind: string,
  ) {}

  static async open<T extends { id: string }>(path: string, kind: string): Promise<IdRecordStore<T>> {
    await mkdir(dirname(path), { recursive: true });
    const db = new Low<Document<T>>(new JSONFile<Document<T>>(path), { version: 1, [kind]: [] } as Document<T>);
    try {
      await db.read();
    } catch (error) {
      throw new AppError(ErrorCode.Config, `Cannot read ${path}: ${(error as Error).message}`);
    }
    if (db.data?.version !== 1 || !Array.isArray(db.data[kind])) throw new AppError(ErrorCode.Config, `${path} is not a trainer ${kind} document (version 1).`);
    return new IdRecordStore<T>(db, kind);
  }

  private get records(): T[] {
    return this.db.data[this.kind] as T[];
  }

  get all(): readonly T[] {
    return this.records;
  }

  get(id: string): T | undefined {
    return this.records.find((record) => record.id === id);
  }

  async save(record: T): Promise<void> {
    const position = this.records.findIndex((existing) => existing.id === record.id);
    if (position === -1) this.records.push(record);
    else this.records[position] = record;
    await this.db.write();
  }

  async delete(id: string): Promise<boolean> {
    const position = this.records.findIndex((record) => record.id === id);
    if (position === -1) return false;
    this.records.splice(position, 1);
    await this.db.write();
    return true;
  }
}
