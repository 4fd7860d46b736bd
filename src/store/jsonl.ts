import { open } from 'node:fs/promises';
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

/**
 * Appends whole JSON lines to `path`, or nothing: when the disk fills up part-way (a short write, then
 * ENOSPC/EDQUOT), the part written is cut off again before the error is thrown, so that the next line
 * appended does not run on from half of this one.
 */
export async function appendJsonLines(path: string, text: string): Promise<void> {
  const handle = await open(path, 'a');
  try {
    const before = (await handle.stat()).size;
    try {
      await handle.writeFile(text);
    } catch (error) {
      if (isDiskFull(error)) await handle.truncate(before).catch(() => {});
      throw error;
    }
  } finally {
    await handle.close();
  }
}
