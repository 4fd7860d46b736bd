import { open, readFile, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Adapter } from 'lowdb';

/**
 * A lowdb adapter for documents that hold secrets: each write goes to a temp file opened with mode
 * 0600 before it holds a byte, then is renamed over the document, so the document is never readable
 * by others, not even between a write and a chmod. Writes are queued: the last one wins.
 */
export class PrivateJsonFile<T> implements Adapter<T> {
  private queue: Promise<void> = Promise.resolve();
  private readonly temporary: string;

  constructor(private readonly path: string) {
    this.temporary = join(dirname(path), `.${basename(path)}.tmp`);
  }

  async read(): Promise<T | null> {
    try {
      return JSON.parse(await readFile(this.path, 'utf8')) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  write(data: T): Promise<void> {
    const text = JSON.stringify(data, null, 2);
    const written = this.queue.then(() => this.replace(text));
    this.queue = written.catch(() => {});
    return written;
  }

  private async replace(text: string): Promise<void> {
    const handle = await open(this.temporary, 'w', 0o600);
    try {
      await handle.chmod(0o600); // a temp file left by a crash may predate this mode
      await handle.writeFile(text);
    } finally {
      await handle.close();
    }
    await rename(this.temporary, this.path);
  }
}
