import { open, type FileHandle } from 'node:fs/promises';

/** The file opened for reading, or null when it does not exist (any other error is thrown). */
export async function openIfExists(path: string): Promise<FileHandle | null> {
  return open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
}
