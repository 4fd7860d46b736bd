import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

/** How long a refusal may take: generous, for a loaded 2-core machine where Node and the agent's imports alone take seconds. */
const REFUSAL_TIMEOUT_MS = 90_000;

/**
 * Runs `trainer agent` expecting it to refuse to start. An agent that starts instead (it says it is
 * listening) is stopped at once and fails the test, as does one that neither refuses nor starts in time.
 */
async function agentFails(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stderr: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'trainer-boot-'));
  try {
    const child = spawn(process.execPath, [BIN, 'agent', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, ...args], {
      env: { ...process.env, API_KEYS: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    let started = false;
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (!started && /listening on/.test(stdout)) {
        started = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), REFUSAL_TIMEOUT_MS);
    const code = await new Promise<number | null>((resolve) => child.once('close', (exitCode) => resolve(exitCode)));
    clearTimeout(timer);
    if (started) throw new Error(`the agent started instead of refusing:\n${stdout}${stderr}`);
    if (code === null) throw new Error(`the agent neither refused nor started in ${REFUSAL_TIMEOUT_MS / 1000} s:\n${stdout}${stderr}`);
    return { code, stderr };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

// each test starts up to three agents one after the other: a test's limit covers three refusals' limits
describe('agent start-up refusals', { timeout: 3 * REFUSAL_TIMEOUT_MS + 30_000 }, () => {
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
    const startOnce = () =>
      new Promise<{ key: string; url: string; stop: () => Promise<void> }>((resolve, reject) => {
        const child = spawn(process.execPath, [BIN, 'agent', '--generate-key', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir], {
          env: { ...process.env, API_KEYS: '' },
        });
        let out = '';
        const stop = () =>
          new Promise<void>((exited) => {
            child.once('exit', () => exited());
            child.kill('SIGTERM');
          });
        child.stdout.on('data', (chunk) => {
          out += chunk;
          const key = /API key: (\S+)/.exec(out)?.[1];
          const url = /listening on (\S+)/.exec(out)?.[1];
          if (key && url) resolve({ key, url, stop });
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
    try {
      const first = await startOnce();
      const ok = await fetch(`${first.url}/api/v1/training/queue`, { headers: { authorization: `Bearer ${first.key}` } });
      expect(ok.status).toBe(200);
      await first.stop(); // the data dir is the next start's only once this agent has let go of it
      const second = await startOnce();
      await second.stop();
      expect(second.key).toBe(first.key);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
