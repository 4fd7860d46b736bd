import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir } from '../helpers/agent-harness.js';
import { cli } from './cli-helpers.js';

// The native TF.js engines are an explicit step (`trainer engines install cpu|gpu`), not optional
// dependencies that every `npm install` tries to download. Offline, the step fails saying why.
describe('trainer engines', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trainer-engines-'));
  });
  afterAll(async () => {
    await removeDir(dir);
  });

  it('install fails clearly without network: the reason in one message, no stack trace, nothing left installed', async () => {
    const enginesDir = join(dir, 'offline');
    // offline npm with an empty cache: what a machine without network gets
    const result = await cli('http://127.0.0.1:9', ['engines', 'install', 'cpu', '--quiet'], {
      TRAINER_ENGINES_DIR: enginesDir,
      npm_config_offline: 'true',
      npm_config_cache: join(dir, 'empty-cache'),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^Error: could not install the cpu engine \(@tensorflow\/tfjs-node@4\.\d+\.\d+\) into .*offline: .*(ENOTCACHED|cache).* It needs network access/m,
    );
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(join(enginesDir, 'node_modules', '@tensorflow', 'tfjs-node'))).toBe(false);
  });

  it('install takes only cpu or gpu', async () => {
    const result = await cli('http://127.0.0.1:9', ['engines', 'install', 'tpu'], { TRAINER_ENGINES_DIR: join(dir, 'unused') });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Expected tpu to be one of: cpu, gpu/);
  });

  it('list reads the engines directory: a package there without its libtensorflow binding is named as such', async () => {
    const enginesDir = join(dir, 'half-installed');
    const packageDir = join(enginesDir, 'node_modules', '@tensorflow', 'tfjs-node-gpu');
    await mkdir(packageDir, { recursive: true });
    await writeFile(join(packageDir, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node-gpu', version: '4.22.0', main: 'index.js' }));
    const result = await cli('http://127.0.0.1:9', ['engines', 'list', '--json'], { TRAINER_ENGINES_DIR: enginesDir });
    expect(result.code).toBe(0);
    const listed = JSON.parse(result.stdout);
    expect(listed.engines_dir).toBe(enginesDir);
    expect(listed.engines.map((engine: { name: string; available: boolean; reason: string | null }) => [engine.name, engine.available, engine.reason])).toEqual(
      [
        ['tfjs-node-gpu', false, '@tensorflow/tfjs-node-gpu is installed without its native binding (libtensorflow was not downloaded)'],
        ['tfjs-node', false, '@tensorflow/tfjs-node is not installed'],
        ['wasm', true, null],
        ['cpu', true, null],
      ],
    );
  });
});
