import { mkdtemp, readFile, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunFiles } from '../../dist/src/store/run-files.js';
import { RunFollower } from '../../dist/src/store/run-follower.js';
import { RunOutputWriter } from '../../dist/src/store/run-output-writer.js';
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

describe('run log positions across rotations (run_log_cap_mb)', () => {
  /** A real writer with a 64 KiB cap (log.jsonl rotates at 32 KiB), writing `count` numbered lines in batches of 10. */
  async function rotatedRun(count: number, onBatch?: (files: RunFiles) => Promise<void>) {
    const dir = await mkdtemp(join(tmpdir(), 'trainer-rotation-'));
    const paths = new RunPaths(dir);
    const files = new RunFiles(paths);
    const writer = new RunOutputWriter({ log: paths.log('r'), metrics: paths.metrics('r'), exit: paths.exit('r') }, { logCapBytes: 64 * 1024 });
    for (let written = 0; written < count; written += 10) {
      writer.appendLogs(
        Array.from({ length: 10 }, (_, i) => ({ ts: 't', level: 'INFO', stream: 'stdout' as const, message: `line ${written + i} ${'x'.repeat(200)}` })),
      );
      await onBatch?.(files);
    }
    return { files, paths };
  }
  const printed = (records: { stream: string; message: string }[]) =>
    records.filter((entry) => entry.stream === 'stdout').map((entry) => Number(entry.message.split(' ')[1]));

  it('a cursor taken before a rotation reads on from the same line after it, into the new log.jsonl', async () => {
    let cursor = 0;
    const seen: number[] = [];
    const { files } = await rotatedRun(1000, async (files) => {
      // a client following the log by cursor, a page of 25 lines at a time, as the run writes
      const page = await files.logsAfter('r', cursor, 25);
      seen.push(...printed(page.records));
      cursor = page.nextCursor;
    });
    for (let page = await files.logsAfter('r', cursor, 25); page.records.length > 0; page = await files.logsAfter('r', cursor, 25)) {
      seen.push(...printed(page.records));
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(cursor).toBe(await files.logEnd('r'));
    const tail = await files.tailLogs('r', 3);
    expect(printed(tail.records)).toEqual([997, 998, 999]);
    expect(tail.nextCursor).toBe(cursor);
  });

  it('a cursor in a dropped generation reads from the oldest kept; the tail and ranges span log.1.jsonl and log.jsonl', async () => {
    const { files, paths } = await rotatedRun(1000);
    const first = (await files.logsAfter('r', 0, 1)).records[0]!;
    expect(first).toMatchObject({ stream: 'agent', message: expect.stringMatching(/bytes dropped/) });
    const oldestKept = printed((await files.logsAfter('r', 0, 2)).records)[0]!;
    expect(oldestKept).toBeGreaterThan(0);

    // the newest log.jsonl is short just after a rotation: the tail takes the rest from log.1.jsonl
    const currentLines = (await readFile(paths.log('r'), 'utf8')).split('\n').filter(Boolean).length;
    const tail = await files.tailLogs('r', currentLines + 20);
    const tailed = printed(tail.records);
    expect(tail.records).toHaveLength(currentLines + 20);
    expect(tailed.length).toBeGreaterThanOrEqual(currentLines + 19); // the rotation's own note is not printed output
    expect(tailed).toEqual(Array.from({ length: tailed.length }, (_, i) => 1000 - tailed.length + i));

    const ranged: number[] = [];
    await files.readRange('r', 'log', 0, await files.logEnd('r'), (records: { stream: string; message: string }[]) => void ranged.push(...printed(records)));
    expect(ranged).toEqual(Array.from({ length: 1000 - oldestKept }, (_, i) => oldestKept + i));
  });

  it('the follower hands on ranges that keep growing across rotations, each line once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trainer-rotation-follow-'));
    const paths = new RunPaths(dir);
    await mkdir(paths.dir('r'), { recursive: true });
    const writer = new RunOutputWriter({ log: paths.log('r'), metrics: paths.metrics('r'), exit: paths.exit('r') }, { logCapBytes: 64 * 1024 });
    const seen: number[] = [];
    const ends: number[] = [];
    const follower = new RunFollower(
      paths,
      'r',
      { onMetrics: () => undefined, onLogs: (records, range) => (seen.push(...printed(records)), ends.push(range.start, range.end)) },
      { metricsOffset: 0, logOffset: 0 },
    );
    for (let written = 0; written < 1000; written += 10) {
      writer.appendLogs(
        Array.from({ length: 10 }, (_, i) => ({ ts: 't', level: 'INFO', stream: 'stdout' as const, message: `line ${written + i} ${'x'.repeat(200)}` })),
      );
      await follower.poke();
    }
    await follower.close();
    expect(seen).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    for (let i = 1; i < ends.length; i++) expect(ends[i]).toBeGreaterThanOrEqual(ends[i - 1]!);
    expect(follower.offsets.logOffset).toBe(await new RunFiles(paths).logEnd('r'));
  });
});
