import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir } from '../helpers/agent-harness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Records every module a fresh Node resolves while it imports `trainer/client`. */
const HOOKS = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.LOAD_LOG, resolved.url + '\\n');
  return resolved;
}
`;

describe("import { TrainerClient } from 'trainer/client'", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trainer-client-export-'));
  });
  afterAll(async () => {
    await removeDir(dir);
  });

  it('loads the client alone: no agent, bots, Koa, TF.js or zod at run time', async () => {
    await writeFile(join(dir, 'hooks.mjs'), HOOKS);
    const log = join(dir, 'loaded.txt');
    const script = `import { register } from 'node:module';
register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});
const { TrainerClient, ApiError } = await import('trainer/client');
console.log(typeof TrainerClient, typeof ApiError);`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      env: { ...process.env, LOAD_LOG: log, NODE_OPTIONS: '' },
    });
    expect(stdout.trim()).toBe('function function');
    const loaded = (await readFile(log, 'utf8')).trim().split('\n');
    const ours = loaded.filter((url) => !url.startsWith('node:'));
    expect(ours.length).toBeGreaterThan(0);
    for (const url of ours) expect(url).toMatch(/\/dist\/src\/client\/[\w-]+\.js$/);
  });
});
