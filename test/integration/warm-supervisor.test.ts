import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';

/** A spare supervisor started by this process (the agent runs in it): argv `spare`, parent this process. */
async function spareOfThisProcess(): Promise<number | null> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === process.pid && (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0').includes('spare')) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

const SUPERVISOR = fileURLToPath(new URL('../../dist/plugins/backends/process/supervisor.js', import.meta.url));

/** The supervisor started ahead of the next run (launch cost without a Node start-up in it). */
describe('warm supervisor', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent();
  });
  afterAll(async () => {
    await t.close();
  });

  it('hands a run to the supervisor started ahead, which runs it like any', async () => {
    const spare = await waitFor(spareOfThisProcess, 'the spare, started 1 s after the agent');
    const id = (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 30, interval_ms: 50 }, start: true })).body.session_id;
    await waitForState(t.api, id, ['running']);
    const { pid } = t.agent.runs.get(id).handle as { pid: number };
    // started as a spare (argv `spare`), before the run existed
    expect((await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')).toContain('spare');
    expect(pid).toBe(spare);
    const done = await waitForState(t.api, id, ['completed', 'failed']);
    expect(done).toMatchObject({ state: 'completed', current_epoch: 30 });
    const history = (await t.api('GET', `/api/v1/training/${id}/history`)).body;
    expect(history).toHaveLength(30);
  });

  it('a spare whose agent went away (stdin closed, no spec) exits quietly', async () => {
    const child = spawn(process.execPath, [SUPERVISOR, 'spare'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.stdin.end();
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect({ code, output }).toEqual({ code: 0, output: '' });
  });

  it("a spare writes what went wrong into the run's supervisor log, having no stderr of its own", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trainer-spare-'));
    try {
      await writeFile(join(dir, 'not-a-dir'), '');
      const supervisorLog = join(dir, 'supervisor.log');
      const bad = join(dir, 'not-a-dir', 'run');
      const spec = {
        argv: ['true'],
        env: {},
        cwd: dir,
        paths: { log: join(bad, 'log.jsonl'), metrics: join(bad, 'metrics.jsonl'), exit: join(bad, 'exit.json') },
        stopGraceMs: 100,
        supervisorLog,
      };
      const child = execFile(process.execPath, [SUPERVISOR, 'spare']);
      child.stdin!.end(JSON.stringify(spec));
      const code = await new Promise((resolve) => child.on('close', resolve));
      expect(code).toBe(1);
      expect(await readFile(supervisorLog, 'utf8')).toMatch(/^supervisor: Error: ENOTDIR/);
    } finally {
      await removeDir(dir);
    }
  });
});
