import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINE_CONTINUED_MARKER, LINE_CUT_MARKER } from '../../dist/src/plugins/output/line-splitter.js';
import { longLine } from '../fixtures/scripts/log-flood.mjs';
import { startTestAgent, waitForState, type TestAgent } from '../helpers/agent-harness.js';

const CAP_MIB = 4;

const start = async (t: TestAgent, params: Record<string, unknown>): Promise<string> => {
  const created = await t.api('POST', '/api/v1/training/sessions', { recipe: 'log-flood', params, start: true });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.session_id;
};

/** Every line of a run file, each parsed: a line that does not parse fails the test. */
async function records(path: string): Promise<{ message: string; stream: string }[]> {
  const text = await readFile(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line));
}

describe('run logs: a size cap with rotation, long lines split with a marker (run_log_cap_mb through the environment)', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent({ env: { TRAINER_RUN_LOG_CAP_MB: String(CAP_MIB), MAX_CONCURRENT_SESSIONS: '2' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('100 MiB printed leaves at most the cap on disk: the newest kept, the drop said in the log', async () => {
    const id = await start(t, { mb: 100 });
    await waitForState(t.api, id, ['completed', 'failed'], 170_000);
    const dir = join(t.dataDir, 'runs', id);
    expect((await readdir(dir)).filter((name) => name.startsWith('log.')).sort()).toEqual(['log.1.jsonl', 'log.jsonl']);
    const sizes = (await stat(join(dir, 'log.jsonl'))).size + (await stat(join(dir, 'log.1.jsonl'))).size;
    // one batch (a pipe read, 64 KiB printed, a little more as JSON) may pass the half-cap before it rotates
    expect(sizes).toBeLessThanOrEqual(CAP_MIB * 1024 * 1024 + 512 * 1024);
    const current = await records(join(dir, 'log.jsonl'));
    await records(join(dir, 'log.1.jsonl'));
    expect(current[0]).toMatchObject({ stream: 'agent' });
    const dropped = Number(/^… (\d+) bytes dropped \(log cap 4 MiB\); the \d+ bytes before this line are in log\.1\.jsonl$/.exec(current[0]!.message)?.[1]);
    expect(dropped).toBeGreaterThan(90 * 1024 * 1024);
    const messages = current.map((record) => record.message);
    expect(messages).toContain('flood done');
    expect(messages.at(-1)).toMatch(/^Process exited with code 0$/);
    // the API reads the newest part too; its cursors are positions in the whole log, dropped parts included
    const tailed = await t.api('GET', `/api/v1/training/${id}/logs?limit=5`);
    expect(tailed.body.map((entry: { message: string }) => entry.message)).toContain('flood done');
    expect(Number(tailed.headers.get('x-next-cursor'))).toBeGreaterThan(dropped + sizes - 1024 * 1024);
    const oldest = await t.api('GET', `/api/v1/training/${id}/logs?cursor=0&limit=1`);
    expect(oldest.body[0].message).toBe((await records(join(dir, 'log.1.jsonl')))[0]!.message);
  });

  it('a 200 KiB line reaches the log whole, in 64 KiB pieces marked where they were cut', async () => {
    const id = await start(t, { long_kib: 200 });
    await waitForState(t.api, id, ['completed'], 120_000);
    const messages = (await records(join(t.dataDir, 'runs', id, 'log.jsonl'))).filter((record) => record.stream === 'stdout').map((record) => record.message);
    const pieces = messages.slice(0, messages.indexOf('flood done'));
    expect(pieces.length).toBe(4);
    pieces.forEach((piece, index) => {
      if (index > 0) expect(piece.startsWith(LINE_CONTINUED_MARKER)).toBe(true);
      if (index < pieces.length - 1) expect(piece.endsWith(LINE_CUT_MARKER)).toBe(true);
      expect(piece.length).toBeLessThanOrEqual(64 * 1024 + LINE_CUT_MARKER.length + LINE_CONTINUED_MARKER.length);
    });
    const joined = pieces
      .map((piece, index) => piece.slice(index > 0 ? LINE_CONTINUED_MARKER.length : 0, index < pieces.length - 1 ? -LINE_CUT_MARKER.length : undefined))
      .join('');
    expect(joined.length).toBe(200 * 1024);
    expect(joined === longLine(200 * 1024)).toBe(true);
  });
});
