import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import type { Experiment, RuntimeSettings } from '../domain/workspace.js';
import { AppError, ErrorCode } from '../errors.js';

interface WorkspaceData {
  version: 1;
  settings: RuntimeSettings;
  experiments: Experiment[];
}

/** Runtime settings and experiments, in `workspace.json`. Callers mutate `data`, then `save()`. */
export class WorkspaceStore {
  private constructor(private readonly db: Low<WorkspaceData>) {}

  static async open(path: string): Promise<WorkspaceStore> {
    await mkdir(dirname(path), { recursive: true });
    const db = new Low<WorkspaceData>(new JSONFile<WorkspaceData>(path), { version: 1, settings: {}, experiments: [] });
    try {
      await db.read();
    } catch (error) {
      throw new AppError(ErrorCode.Config, `Cannot read ${path}: ${(error as Error).message}`);
    }
    if (db.data?.version !== 1) throw new AppError(ErrorCode.Config, `${path} is not a trainer workspace document (version 1).`);
    return new WorkspaceStore(db);
  }

  get data(): WorkspaceData {
    return this.db.data;
  }

  save(): Promise<void> {
    return this.db.write();
  }
}
