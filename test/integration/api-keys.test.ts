import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, request, startTestAgent, type TestAgent } from '../helpers/agent-harness.js';

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

describe('API keys with scopes', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent();
  });
  afterAll(async () => {
    await t.close();
  });

  const as = (key: string) => (method: string, path: string, body?: unknown) => request(t.url, method, path, body, { authorization: `Bearer ${key}` });

  it('a read key reads but gets 403 on anything that changes state; a write key runs but cannot manage keys', async () => {
    const read = (await t.api('POST', '/api/v1/keys', { name: 'grafana', scope: 'read' })).body;
    const write = (await t.api('POST', '/api/v1/keys', { name: 'ci', scope: 'write' })).body;
    expect(read).toMatchObject({ id: expect.stringMatching(/^key_/), name: 'grafana', scope: 'read', key: expect.stringMatching(/^trk_/), revoked_at: null });

    expect((await as(read.key)('GET', '/api/v1/training/sessions')).status).toBe(200);
    const refused = await as(read.key)('POST', '/api/v1/training/sessions', { recipe: 'ticker' });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/scope 'read'/);
    expect((await as(read.key)('GET', '/api/v1/keys')).status).toBe(403);

    expect((await as(write.key)('POST', '/api/v1/training/sessions', { recipe: 'ticker' })).status).toBe(201);
    expect((await as(write.key)('POST', '/api/v1/keys', { name: 'x' })).status).toBe(403);
    expect(t.agent.runs.list({ limit: 10, offset: 0 }).total).toBe(1);
  });

  it('stores digests only, lists without keys, and revokes', async () => {
    const created = (await t.api('POST', '/api/v1/keys', { name: 'temp', scope: 'write' })).body;
    const file = await readFile(join(t.dataDir, 'keys.json'), 'utf8');
    expect(file).not.toContain(created.key);
    expect((await stat(join(t.dataDir, 'keys.json'))).mode & 0o777).toBe(0o600);
    const listed = (await t.api('GET', '/api/v1/keys')).body;
    expect(listed.find((key: { id: string }) => key.id === created.id)).toEqual({
      id: created.id,
      name: 'temp',
      scope: 'write',
      prefix: created.key.slice(0, 8),
      created_at: expect.any(String),
      revoked_at: null,
    });
    expect(JSON.stringify(listed)).not.toContain(created.key);

    // used first, so that the agent remembers it as verified: the revocation must take effect at once all the same
    expect((await as(created.key)('GET', '/api/v1/training/queue')).status).toBe(200);
    expect((await t.api('DELETE', `/api/v1/keys/${created.id}`)).status).toBe(200);
    expect((await as(created.key)('GET', '/api/v1/training/queue')).status).toBe(401);
    expect((await t.api('DELETE', '/api/v1/keys/key_nope')).status).toBe(404);
  });

  it('validates key requests', async () => {
    for (const body of [{}, { name: '' }, { name: 'a/b' }, { name: 'ok', scope: 'root' }, { name: 'ok', extra: 1 }]) {
      const response = await t.api('POST', '/api/v1/keys', body);
      expect(response.status, JSON.stringify(body)).toBe(422);
    }
    await t.api('POST', '/api/v1/keys', { name: 'dup' });
    expect((await t.api('POST', '/api/v1/keys', { name: 'dup' })).status).toBe(409);
  });

  it('the CLI creates, lists and revokes keys', async () => {
    const run = (...args: string[]) =>
      promisify(execFile)(process.execPath, [BIN, ...args], { env: { ...process.env, TRAINER_URL: t.url, TRAINER_API_KEY: API_KEY } });
    const created = JSON.parse((await run('keys', 'create', '--name', 'from-cli', '--scope', 'read', '--json')).stdout);
    expect(created.scope).toBe('read');
    expect((await run('keys', 'list')).stdout).toContain('from-cli');
    expect((await run('keys', 'revoke', created.id)).stdout).toMatch(/revoked/);
    await expect(run('keys', 'create', '--name', 'x', '--scope', 'root')).rejects.toMatchObject({ code: 2 });
  });
});
