import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunFiles } from '../../dist/src/store/run-files.js';
import { RunPaths } from '../../dist/src/store/run-paths.js';

async function filesWithLog(lines: string[]) {
  const dir = await mkdtemp(join(tmpdir(), 'trainer-files-'));
  const paths = new RunPaths(dir);
  await mkdir(paths.dir('r'), { recursive: true });
  await writeFile(paths.log('r'), lines.map((line) => line + '\n').join(''));
  return new RunFiles(paths);
}

const record = (message: string) => JSON.stringify({ ts: 't', level: 'INFO', stream: 'stdout', message });

describe('run log paging', () => {
  it('pages through a log by cursor, across chunk boundaries, each line once', async () => {
    const messages = Array.from({ length: 3000 }, (_, i) => `line ${i} ${'x'.repeat(i % 97)}`);
    const files = await filesWithLog(messages.map(record));
    const seen: string[] = [];
    let cursor = 0;
    for (;;) {
      const page = await files.logsAfter('r', cursor, 700);
      if (page.records.length === 0) break;
      seen.push(...page.records.map((entry: { message: string }) => entry.message));
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(messages);
    const tail = await files.tailLogs('r', 5);
    expect(tail.records.map((entry: { message: string }) => entry.message)).toEqual(messages.slice(-5));
    expect(tail.nextCursor).toBe(cursor);
  });

  it('moves past a line longer than a page instead of sticking on it', async () => {
    const files = await filesWithLog([record('before'), record('y'.repeat(5 * 1024 * 1024)), record('after')]);
    const messages: string[] = [];
    let cursor = 0;
    for (let i = 0; i < 10; i++) {
      const page = await files.logsAfter('r', cursor, 10);
      messages.push(...page.records.map((entry: { message: string }) => entry.message));
      if (page.nextCursor === cursor) break;
      cursor = page.nextCursor;
    }
    expect(messages[0]).toBe('before');
    expect(messages.at(-1)).toBe('after');
  });
});
