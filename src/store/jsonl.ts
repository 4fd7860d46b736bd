import { open, statfs, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isDiskFull } from '../errors.js';

/** Parses complete JSON lines; a line that does not parse (a torn write, a stray byte) is skipped, never fatal. */
export function parseJsonLines<T>(text: string): T[] {
  const records: T[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end > start) {
      try {
        records.push(JSON.parse(text.slice(start, end)) as T);
      } catch {
        // skipped on purpose: see above
      }
    }
    start = end + 1;
  }
  return records;
}

/** Room left free besides the text itself before an append starts: the training process appends to the same files. */
const HEADROOM_BYTES = 64 * 1024;

/**
 * Appends whole JSON lines to `path`, or nothing. The training process appends to the same file (its
 * supervisor, from another process), so a cut-short append cannot simply be cut back to the size read
 * before it: lines appended meanwhile would go with it. Instead an append does not start where the disk
 * cannot take it (ENOSPC before writing), is one write, and when the disk fills up part-way all the same
 * only its own bytes are cut off again — when they are still the file's last — so that the next line
 * appended does not run on from half of this one.
 */
export async function appendJsonLines(path: string, text: string): Promise<void> {
  const bytes = Buffer.from(text);
  const space = await statfs(dirname(path)).catch(() => null);
  if (space && space.bavail * space.bsize < bytes.length + HEADROOM_BYTES) {
    throw Object.assign(new Error(`ENOSPC: no space left on device, append to ${path} (${space.bavail * space.bsize} bytes free)`), { code: 'ENOSPC' });
  }
  const handle = await open(path, 'a+');
  try {
    let written = 0;
    try {
      while (written < bytes.length) written += (await handle.write(bytes, written, bytes.length - written)).bytesWritten;
    } catch (error) {
      if (isDiskFull(error) && written > 0) await cutOwnTail(handle, bytes.subarray(0, written));
      throw error;
    }
  } finally {
    await handle.close();
  }
}

/** Cuts `ours` off the end of the file, only if they are still its last bytes (nobody appended after them). */
export async function cutOwnTail(handle: FileHandle, ours: Buffer): Promise<void> {
  try {
    const { size } = await handle.stat();
    if (size < ours.length) return;
    const tail = Buffer.alloc(ours.length);
    await handle.read(tail, 0, ours.length, size - ours.length);
    if (tail.equals(ours)) await handle.truncate(size - ours.length);
  } catch {
    // the file stays as it is: a reader skips the one torn line
  }
}
