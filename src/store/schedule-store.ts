import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import type { ScheduleRecord } from '../domain/schedule.js';
import { AppError, ErrorCode } from '../errors.js';

interface ScheduleData {
  version: 1;
  schedules: ScheduleRecord[];
}

/** Schedules in `schedules.json`, written atomically (temp file + rename) after every change. */
export class ScheduleStore {
  private constructor(private readonly db: Low<ScheduleData>) {}

  static async open(path: string): Promise<ScheduleStore> {
    await mkdir(dirname(path), { recursive: true });
    const db = new Low<ScheduleData>(new JSONFile<ScheduleData>(path), { version: 1, schedules: [] });
    try {
      await db.read();
    } catch (error) {
      throw new AppError(ErrorCode.Config, `Cannot read ${path}: ${(error as Error).message}`);
    }
    if (db.data?.version !== 1 || !Array.isArray(db.data.schedules)) throw new AppError(ErrorCode.Config, `${path} is not a trainer schedule document (version 1).`);
    return new ScheduleStore(db);
  }

  get schedules(): readonly ScheduleRecord[] {
    return this.db.data.schedules;
  }

  get(id: string): ScheduleRecord | undefined {
    return this.db.data.schedules.find((schedule) => schedule.id === id);
  }

  async save(record: ScheduleRecord): Promise<void> {
    const position = this.db.data.schedules.findIndex((schedule) => schedule.id === record.id);
    if (position === -1) this.db.data.schedules.push(record);
    else this.db.data.schedules[position] = record;
    await this.db.write();
  }

  async delete(id: string): Promise<boolean> {
    const position = this.db.data.schedules.findIndex((schedule) => schedule.id === id);
    if (position === -1) return false;
    this.db.data.schedules.splice(position, 1);
    await this.db.write();
    return true;
  }
}
