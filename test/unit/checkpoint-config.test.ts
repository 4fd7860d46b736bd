import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveAgentConfig } from '../../dist/src/index.js';

describe('checkpoint settings of the agent', () => {
  const env = { API_KEYS: 'k' };

  it('defaults to the best 1 and the last 3, under <data-dir>/checkpoints', () => {
    const config = resolveAgentConfig({ dataDir: '/data' }, env, '/');
    expect(config).toMatchObject({ checkpointKeepBest: 1, checkpointKeepLast: 3, checkpointsDir: '/data/checkpoints' });
  });

  it('takes the config file, then the environment over it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trainer-checkpoint-config-'));
    await writeFile(join(dir, 'trainer.yaml'), 'checkpoint_keep_best: 2\ncheckpoint_keep_last: 5\n');
    expect(resolveAgentConfig({ configFile: join(dir, 'trainer.yaml') }, env, dir)).toMatchObject({ checkpointKeepBest: 2, checkpointKeepLast: 5 });
    expect(
      resolveAgentConfig({ configFile: join(dir, 'trainer.yaml') }, { ...env, TRAINER_CHECKPOINT_KEEP_LAST: '0', CHECKPOINTS_DIR: '/ckpt' }, dir),
    ).toMatchObject({ checkpointKeepBest: 2, checkpointKeepLast: 0, checkpointsDir: '/ckpt' });
    expect(() => resolveAgentConfig({}, { ...env, TRAINER_CHECKPOINT_KEEP_BEST: '-1' }, dir)).toThrow(/TRAINER_CHECKPOINT_KEEP_BEST must be an integer/);
  });
});
