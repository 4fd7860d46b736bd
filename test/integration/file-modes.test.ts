import { chmod, mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startTestAgent, type TestAgent } from '../helpers/agent-harness.js';

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

/** Issue 14 finding 12: secret files readable by others after a rewrite, a data dir open to all. */
describe('file modes of the data dir', () => {
  let t: TestAgent;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'trainer-modes-'));
    await chmod(dataDir, 0o755); // as an older agent (or mkdir with the usual umask) left it
    t = await startTestAgent({ dataDir });
  });
  afterAll(async () => {
    await t?.close();
    await removeDir(dataDir);
  });

  it('the data dir is 0700', async () => {
    expect((await modeOf(dataDir)).toString(8)).toBe('700');
  });

  it('keys.json stays 0600 after a create and after a revoke', async () => {
    const created = await t.api('POST', '/api/v1/keys', { name: 'ci', scope: 'write' });
    expect(created.status).toBe(201);
    expect((await modeOf(join(dataDir, 'keys.json'))).toString(8)).toBe('600');
    expect((await t.api('DELETE', `/api/v1/keys/${created.body.id ?? created.body.key_id}`)).status).toBeLessThan(300);
    expect((await modeOf(join(dataDir, 'keys.json'))).toString(8)).toBe('600');
  });

  it('webhooks.json are 0600 after every rewrite', async () => {
    for (let i = 0; i < 3; i++) {
      const created = await t.api('POST', '/api/v1/webhooks', { url: `http://127.0.0.1:9/hook-${i}`, events: ['training_started'], secret: 'a-long-secret' });
      expect(created.status).toBe(201);
      expect((await modeOf(join(dataDir, 'webhooks.json'))).toString(8)).toBe('600');
      if (i === 1) await t.api('DELETE', `/api/v1/webhooks/${created.body.webhook_id}`);
    }
    expect((await modeOf(join(dataDir, 'webhooks.json'))).toString(8)).toBe('600');
  });
});
