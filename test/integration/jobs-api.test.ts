import { mkdir, mkdtemp, realpath, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventSource } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { API_KEY, removeDir, startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';
import { checkStreamEvent } from '../helpers/sse-contract.js';

const STANDIN_NVIDIA_SMI = fileURLToPath(new URL('../stand-ins/nvidia-smi', import.meta.url));
const node = process.execPath;

/** A node one-liner as seed 004's command string. */
const nodeCommand = (script: string, ...args: string[]) => [node, '-e', script, ...args].map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');

describe('seed 004 job API, with allow_commands on', () => {
  let t: TestAgent;
  let root: string;
  let execKey: string;
  let writeKey: string;
  const as = (key: string) => ({ authorization: `Bearer ${key}` });

  beforeAll(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'trainer-jobs-')));
    await mkdir(join(root, 'checkout'));
    t = await startTestAgent({
      env: { TRAINER_ALLOW_COMMANDS: '1', TRAINER_ALLOWED_CWD: root, TRAINER_NVIDIA_SMI: STANDIN_NVIDIA_SMI, MAX_CONCURRENT_SESSIONS: '2' },
    });
    execKey = (await t.api('POST', '/api/v1/keys', { name: 'ci-runner', scope: 'exec' })).body.key;
    writeKey = (await t.api('POST', '/api/v1/keys', { name: 'writer', scope: 'write' })).body.key;
  });
  afterAll(async () => {
    await t.close();
    await removeDir(root);
  });

  it('submits a command split by shell-word rules, runs it (not by a shell) in cwd with its GPUs and environment, and answers in seed 004 shape', async () => {
    const script =
      'console.log(JSON.stringify({argv: process.argv.slice(1), cwd: process.cwd(), gpus: process.env.CUDA_VISIBLE_DEVICES, who: process.env.WHO}))';
    const submitted = await t.api(
      'POST',
      '/api/jobs',
      {
        name: 'argv-check',
        command: `${nodeCommand(script)} 'a b' "c\\"d" $HOME-not-expanded-in-quotes`.replace('$HOME-not-expanded-in-quotes', "'$HOME'"),
        gpu_count: 1,
        priority: 10,
        environment: { WHO: 'ci' },
        cwd: join(root, 'checkout'),
      },
      as(execKey),
    );
    expect(submitted.status).toBe(201);
    expect(submitted.body).toEqual({
      id: expect.stringMatching(/^sess_/),
      name: 'argv-check',
      status: expect.stringMatching(/^(pending|running)$/),
      gpu_count: 1,
      created_at: expect.any(String),
    });
    const id = submitted.body.id;
    await waitForState(t.api, id, ['completed', 'failed']);
    const job = (await t.api('GET', `/api/jobs/${id}`)).body;
    expect(job).toMatchObject({
      id,
      name: 'argv-check',
      status: 'completed',
      gpu_count: 1,
      exit_code: 0,
      priority: 10,
      cwd: join(root, 'checkout'),
      recipe: 'exec',
    });
    expect(job.gpu_ids).toHaveLength(1);
    const logs = (await t.api('GET', `/api/jobs/${id}/logs?stream=stdout`)).body;
    expect(logs.stream).toBe('stdout');
    const printed = JSON.parse(logs.lines.find((line: string) => line.startsWith('{"argv"')));
    expect(printed).toEqual({ argv: ['a b', 'c"d', '$HOME'], cwd: join(root, 'checkout'), gpus: String(job.gpu_ids[0]), who: 'ci' });
    // the same run everywhere: seed 000's status knows it
    expect((await t.api('GET', `/api/v1/training/${id}/status`)).body).toMatchObject({ state: 'completed', recipe: 'exec' });
  });

  it('refuses what a shell would do differently, an empty command and bad environment names with 422', async () => {
    for (const [command, detail] of [
      ['python train.py | tee log', /unquoted '\|' \(shell operator\)/],
      ['python train.py > out.txt', /unquoted '>'/],
      ['echo $HOME', /unquoted '\$' \(expansion\)/],
      ['FOO=1 python train.py', /sets a variable.*"environment"/],
      ["python 'unterminated", /unterminated single quote/],
      ['   ', /command is empty/],
    ] as const) {
      const response = await t.api('POST', '/api/jobs', { command }, as(execKey));
      expect(response.status, command).toBe(422);
      expect(response.body.detail).toMatch(detail);
    }
    const env = await t.api('POST', '/api/jobs', { command: 'true', environment: { 'BAD-NAME': 'x' } }, as(execKey));
    expect(env.status).toBe(422);
    expect((await t.api('POST', '/api/jobs', { command: 'true', surprise: 1 }, as(execKey))).status).toBe(422);
  });

  it('limits where commands run: allowed_cwd roots, through links too; a missing directory is a 422', async () => {
    const outside = await t.api('POST', '/api/jobs', { command: 'true', cwd: tmpdir() }, as(execKey));
    expect(outside.status).toBe(403);
    expect(outside.body.detail).toMatch(/outside the directories this agent runs commands in \(allowed_cwd: /);
    await symlink(tmpdir(), join(root, 'escape'));
    expect((await t.api('POST', '/api/jobs', { command: 'true', cwd: join(root, 'escape') }, as(execKey))).status).toBe(403);
    const missing = await t.api('POST', '/api/jobs', { command: 'true', cwd: join(root, 'nope') }, as(execKey));
    expect(missing.status).toBe(422);
    expect(missing.body.detail).toMatch(/does not exist on the agent's machine/);
    expect((await t.api('POST', '/api/jobs', { command: 'true', cwd: 'relative/dir' }, as(execKey))).status).toBe(422);
  });

  it('needs the exec scope (admin implies it); every exec is audited with the key name', async () => {
    const refused = await t.api('POST', '/api/jobs', { command: 'true' }, as(writeKey));
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/scope 'write'.*needs a key with the exec scope \(trainer keys create --name ci --scope exec\)/);
    // a write key may still read and cancel jobs
    expect((await t.api('GET', '/api/jobs', undefined, as(writeKey))).status).toBe(200);
    const byAdmin = await t.api('POST', '/api/jobs', { command: 'true' }, as(API_KEY));
    expect(byAdmin.status).toBe(201);
    const audit = (await t.api('GET', '/api/v1/audit?limit=100')).body.entries.filter((entry: { action: string }) => entry.action === 'run.exec');
    expect(audit.find((entry: { target: string }) => entry.target === byAdmin.body.id)).toMatchObject({
      actor: 'API_KEYS[0]',
      result: 'ok',
      details: { argv: ['true'] },
    });
    expect(audit.some((entry: { actor: string; result: string }) => entry.actor === 'ci-runner' && entry.result === 'ok')).toBe(true);
    expect(
      audit.some(
        (entry: { actor: string; result: string; reason: string }) =>
          entry.actor === 'ci-runner' && entry.result === 'refused' && /outside the directories/.test(entry.reason),
      ),
    ).toBe(true);
  });

  it('lists jobs by seed 004 status with limit/offset, X-Total-Count and Link; logs by stream; cancels', async () => {
    const both = await t.api('POST', '/api/jobs', { command: nodeCommand('console.log("to stdout"); console.error("to stderr")') }, as(execKey));
    await waitForState(t.api, both.body.id, ['completed']);
    expect((await t.api('GET', `/api/jobs/${both.body.id}/logs?stream=stderr`)).body.lines).toEqual(['to stderr']);
    expect((await t.api('GET', `/api/jobs/${both.body.id}/logs?stream=stdout`)).body.lines).toEqual(['to stdout']);
    expect((await t.api('GET', `/api/jobs/${both.body.id}/logs`)).body.lines.sort()).toEqual(['to stderr', 'to stdout']);
    expect((await t.api('GET', `/api/jobs/${both.body.id}/logs?stream=agent`)).status).toBe(422);

    const sleeper = await t.api('POST', '/api/jobs', { name: 'sleeper', command: nodeCommand('setTimeout(() => {}, 60000)') }, as(execKey));
    await waitForState(t.api, sleeper.body.id, ['running']);
    const running = await t.api('GET', '/api/jobs?status=running');
    expect(running.body.map((job: { id: string }) => job.id)).toContain(sleeper.body.id);
    expect(running.body.every((job: { status: string }) => job.status === 'running')).toBe(true);
    const cancelled = await t.api('POST', `/api/jobs/${sleeper.body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id: sleeper.body.id, status: 'cancelled', message: `Job ${sleeper.body.id} cancelled` });
    expect((await t.api('GET', '/api/jobs?status=cancelled')).body.map((job: { id: string }) => job.id)).toContain(sleeper.body.id);
    expect((await t.api('POST', `/api/jobs/${sleeper.body.id}/cancel`)).status).toBe(409);

    const completed = await t.api('GET', '/api/jobs?status=completed&limit=1&offset=0');
    const total = Number(completed.headers.get('x-total-count'));
    expect(total).toBeGreaterThanOrEqual(2);
    expect(completed.body).toHaveLength(1);
    expect(completed.headers.get('link')).toBe('</api/jobs?status=completed&limit=1&offset=1>; rel="next"');
    const last = await t.api('GET', `/api/jobs?status=completed&limit=1&offset=${total - 1}`);
    expect(last.headers.get('link')).toBeNull();
    expect((await t.api('GET', '/api/jobs?status=sleeping')).status).toBe(422);
    expect((await t.api('GET', '/api/jobs/sess_000000000000')).status).toBe(404);
  });

  it("streams a job's metrics to a real EventSource (onmessage, key in the query) and to a WebSocket as bare objects", async () => {
    const script =
      'let s = 0; const t = setInterval(() => { s++; console.log(JSON.stringify({ step: s, loss: 1 / s })); if (s === 5) clearInterval(t); }, 100)';
    const job = await t.api('POST', '/api/jobs', { command: nodeCommand(script) }, as(execKey));
    const id = job.body.id;
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/ws/jobs/${id}/stream?api_key=${API_KEY}`);
    const wsMessages: unknown[] = [];
    ws.on('message', (data) => wsMessages.push(JSON.parse(String(data))));
    const wsClosed = new Promise((resolve) => ws.on('close', resolve));

    const streamUrl = `${t.url}/api/jobs/${id}/stream?api_key=${API_KEY}`;
    const source = new EventSource(streamUrl);
    const received: { step: number; loss: number }[] = [];
    const offContract: string[] = [];
    source.onmessage = (event) => {
      const data = JSON.parse(event.data);
      try {
        checkStreamEvent(streamUrl, event.type, data);
      } catch (error) {
        offContract.push((error as Error).message);
      }
      received.push(data);
    };
    // after the job ends the server closes; the reconnect gets 204 and the EventSource closes for good
    await waitFor(() => source.readyState === EventSource.CLOSED, 'the EventSource to close for good');
    source.close();
    expect(offContract).toEqual([]);
    expect(received.map((metric) => metric.step)).toEqual([1, 2, 3, 4, 5]);
    expect(received[4]).toMatchObject({ step: 5, loss: 0.2, timestamp: expect.any(String) });
    await wsClosed;
    expect(wsMessages).toHaveLength(5);
    expect(wsMessages[0]).toMatchObject({ step: 1, loss: 1 });
    // json lines stay in the output a person reads
    expect((await t.api('GET', `/api/jobs/${id}/logs?stream=stdout`)).body.lines).toHaveLength(5);
  });
});

describe('seed 004 job API, with allow_commands off (the default)', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent();
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses every command with a 403 that says how to enable it, and audits the refusal', async () => {
    const response = await t.api('POST', '/api/jobs', { name: 'x', command: 'python train.py', gpu_count: 0 });
    expect(response.status).toBe(403);
    expect(response.body.detail).toMatch(/Running commands is off on this agent: start it with allow_commands: true .*TRAINER_ALLOW_COMMANDS=1/);
    expect((await t.api('GET', '/api/jobs')).body).toEqual([]);
    const audit = (await t.api('GET', '/api/v1/audit')).body.entries;
    expect(audit[0]).toMatchObject({ action: 'run.exec', actor: 'API_KEYS[0]', result: 'refused' });
  });
});
