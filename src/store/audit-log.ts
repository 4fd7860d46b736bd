import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AuditEntry } from '../domain/workspace.js';
import { appendJsonLines, parseJsonLines } from './jsonl.js';
import { readTailText } from './tail-read.js';

/** An append-only JSONL file: entries are never rewritten. */
export class AuditLog {
  constructor(private readonly path: string) {}

  async append(entry: AuditEntry): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await appendJsonLines(this.path, JSON.stringify(entry) + '\n');
  }

  /** The last `limit` entries, newest first. */
  async recent(limit: number): Promise<AuditEntry[]> {
    const text = await readTailText(this.path, limit);
    return parseJsonLines<AuditEntry>(text).slice(-limit).reverse();
  }
}
