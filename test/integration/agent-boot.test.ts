import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

async function agentFails(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stderr: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'trainer-boot-'));
  try {
    await run(process.execPath, [BIN, 'agent', '--port', '0', '--data-dir', dataDir, ...args], { env: { ...process.env, API_KEYS: '', ...env }, timeout: 20_000 });
    throw new Error('the agent started');
  } catch (error) {
    const failure = error as { code: number; stderr: string };
    return { code: failure.code, stderr: failure.stderr };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

describe('agent start-up refusals', () => {
  it('refuses to start without an API key, with seed 000 message', async () => {
    const { code, stderr } = await agentFails([]);
    expect(code).not.toBe(0);
    expect(stderr).toContain('Configuration error: No API keys configured. Set API_KEYS environment variable.');
  });

  it('names the file and field of an invalid recipe', async () => {
    const bad = fileURLToPath(new URL('../fixtures/bad-recipes', import.meta.url));
    const { code, stderr } = await agentFails(['--api-keys', 'k'], { TRAINER_RECIPE_DIRS: bad });
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/Recipe .*broken\.yaml is invalid: name: .*; command: .*; params\.lr/);
  });

  it('refuses an invalid config file and a bad MAX_CONCURRENT_SESSIONS', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trainer-boot-'));
    const file = join(dir, 'trainer.yaml');
    await writeFile(file, 'max_concurrent_sessions: many\nunknown_key: 1\n');
    const fromFile = await agentFails(['--api-keys', 'k', '--config', file]);
    expect(fromFile.stderr).toMatch(/Configuration error in .*trainer\.yaml: max_concurrent_sessions: .*unknown_key/s);
    const fromEnv = await agentFails(['--api-keys', 'k'], { MAX_CONCURRENT_SESSIONS: '0' });
    expect(fromEnv.stderr).toMatch(/MAX_CONCURRENT_SESSIONS must be an integer from 1 to 1024, got '0'/);
    const missingDefault = await agentFails(['--api-keys', 'k'], { TRAINER_DEFAULT_RECIPE: 'nope' });
    expect(missingDefault.stderr).toMatch(/default recipe 'nope' does not exist/);
  });

  it('--generate-key prints a key that works and is reused by the next start', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'trainer-boot-'));
    const { spawn } = await import('node:child_process');
    const startOnce = () =>
      new Promise<{ key: string; url: string; stop: () => void }>((resolve, reject) => {
        const child = spawn(process.execPath, [BIN, 'agent', '--generate-key', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir], { env: { ...process.env, API_KEYS: '' } });
        let out = '';
        child.stdout.on('data', (chunk) => {
          out += chunk;
          const key = /API key: (\S+)/.exec(out)?.[1];
          const url = /listening on (\S+)/.exec(out)?.[1];
          if (key && url) resolve({ key, url, stop: () => child.kill('SIGTERM') });
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
    const first = await startOnce();
    const ok = await fetch(`${first.url}/api/v1/training/queue`, { headers: { authorization: `Bearer ${first.key}` } });
    expect(ok.status).toBe(200);
    first.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await startOnce();
    second.stop();
    expect(second.key).toBe(first.key);
  });
});
