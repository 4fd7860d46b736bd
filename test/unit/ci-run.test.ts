import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CI_RUN = fileURLToPath(new URL('../../.ci/run', import.meta.url));

/** .ci/run itself, run from a copy of the checkout with an `npm` stand-in first on PATH that records each call and the CI it saw. */
describe('.ci/run', () => {
  let dir: string;
  let calls: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trainer-ci-run-'));
    await mkdir(join(dir, 'checkout', '.ci'), { recursive: true });
    await copyFile(CI_RUN, join(dir, 'checkout', '.ci', 'run'));
    await mkdir(join(dir, 'bin'));
    calls = join(dir, 'npm-calls');
    await writeFile(join(dir, 'bin', 'npm'), `#!/bin/sh\necho "CI=\${CI:-unset} cwd=$(pwd) npm $*" >> '${calls}'\n`);
    await chmod(join(dir, 'bin', 'npm'), 0o755);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const runnerCi of [undefined, 'false', 'true']) {
    it(`runs README's test command with CI=true exported (runner's CI: ${runnerCi ?? 'unset'})`, async () => {
      await writeFile(calls, '');
      const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}` };
      delete env.CI;
      if (runnerCi !== undefined) env.CI = runnerCi;
      await run('bash', [join(dir, 'checkout', '.ci', 'run')], { env, cwd: tmpdir() });
      const checkout = join(dir, 'checkout');
      expect((await readFile(calls, 'utf8')).trim().split('\n')).toEqual([
        `CI=true cwd=${checkout} npm install --no-audit --no-fund`,
        `CI=true cwd=${checkout} npm test`,
      ]);
    });
  }
});
