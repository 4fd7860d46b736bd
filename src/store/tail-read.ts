import type { FileHandle } from 'node:fs/promises';
import { openIfExists } from './open-if-exists.js';

const TAIL_CHUNK = 64 * 1024;

/** Reads backwards from the end until `lines` complete lines are in hand (or the file starts). */
export async function readTail(path: string, lines: number): Promise<{ text: string; size: number }> {
  const handle = await openIfExists(path);
  if (!handle) return { text: '', size: 0 };
  try {
    const { size } = await handle.stat();
    return { text: await readTailOf(handle, size, lines), size };
  } finally {
    await handle.close();
  }
}

/** The same, of an open file's first `size` bytes. */
export async function readTailOf(handle: FileHandle, size: number, lines: number): Promise<string> {
  let start = size;
  const chunks: Buffer[] = []; // newest first
  let newlines = 0;
  while (start > 0 && newlines <= lines) {
    const length = Math.min(TAIL_CHUNK, start);
    start -= length;
    const chunk = Buffer.alloc(length);
    await handle.read(chunk, 0, length, start);
    chunks.push(chunk);
    for (let index = chunk.indexOf(10); index !== -1; index = chunk.indexOf(10, index + 1)) newlines++;
  }
  let text = Buffer.concat(chunks.reverse()).toString('utf8');
  if (start > 0) text = text.slice(text.indexOf('\n') + 1);
  return text;
}

/** The text of the last `lines` complete lines of a file ('' if it does not exist). */
export async function readTailText(path: string, lines: number): Promise<string> {
  const { text } = await readTail(path, lines);
  return text.slice(0, text.lastIndexOf('\n') + 1);
}
