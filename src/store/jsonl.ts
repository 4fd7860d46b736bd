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
