import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Low } from 'lowdb';
import type { ApiKeyRecord } from '../domain/api-key.js';
import { AppError, ErrorCode } from '../errors.js';
import { PrivateJsonFile } from './private-json-file.js';

interface KeyData {
  version: 1;
  keys: ApiKeyRecord[];
}

/**
 * API keys created through the API, in their own lowdb document (`keys.json`, mode 0600) so that the
 * state file can be shared in a bug report without them. Digests only.
 */
export class KeyStore {
  private constructor(private readonly db: Low<KeyData>) {}

  static async open(path: string): Promise<KeyStore> {
    await mkdir(dirname(path), { recursive: true });
    const db = new Low<KeyData>(new PrivateJsonFile<KeyData>(path), { version: 1, keys: [] });
    try {
      await db.read();
    } catch (error) {
      throw new AppError(ErrorCode.Config, `Cannot read the key file ${path}: ${(error as Error).message}`);
    }
    if (db.data?.version !== 1 || !Array.isArray(db.data.keys))
      throw new AppError(ErrorCode.Config, `The key file ${path} is not a trainer key document (version 1).`);
    return new KeyStore(db);
  }

  get keys(): readonly ApiKeyRecord[] {
    return this.db.data.keys;
  }

  /** Adds a key; when it cannot be written (a full disk: 507), it was never added. */
  async add(record: ApiKeyRecord): Promise<void> {
    this.db.data.keys.push(record);
    try {
      await this.db.write();
    } catch (error) {
      this.db.data.keys = this.db.data.keys.filter((key) => key !== record);
      throw error;
    }
  }

  async revoke(id: string, at: string): Promise<ApiKeyRecord | undefined> {
    const record = this.db.data.keys.find((key) => key.id === id);
    if (!record) return undefined;
    record.revoked_at ??= at;
    await this.db.write();
    return record;
  }
}
