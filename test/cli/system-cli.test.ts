import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, startTestAgent, type TestAgent } from '../helpers/agent-harness.js';

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

describe('trainer system and gpus', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent({ env: { TRAINER_NVIDIA_SMI: fileURLToPath(new URL('../stand-ins/nvidia-smi', import.meta.url)) } });
  });
  afterAll(async () => {
    await t.close();
  });
  const run = (...args: string[]) =>
    promisify(execFile)(process.execPath, [BIN, ...args], { env: { ...process.env, TRAINER_URL: t.url, TRAINER_API_KEY: API_KEY } });

  it('prints the system summary and the GPU table, and both as JSON', async () => {
    expect((await run('system')).stdout).toMatch(/gpus:\s+43\.5% busy, 31038 \/ 81920 MB/);
    const table = (await run('gpus')).stdout;
    expect(table).toMatch(/0\s+NVIDIA A100-SXM4-40GB\s+87%\s+31034\/40960 MB\s+71°C\s+312\.45 W\s+-/);
    expect(table).toMatch(/1\s+NVIDIA A100-SXM4-40GB\s+0%\s+4\/40960 MB\s+34°C\s+-/);
    expect(JSON.parse((await run('gpus', '--json')).stdout)).toHaveLength(2);
    expect(JSON.parse((await run('system', '--json')).stdout).gpu_available).toBe(true);
  });
});
