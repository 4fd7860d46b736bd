import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir } from '../helpers/agent-harness.js';
import { pipPython, SDK_PYTHON_DIR } from '../helpers/python.js';

const run = promisify(execFile);
const python = pipPython();

/** README's `pip install sdk/python`, as a user runs it (offline: the build uses the installed setuptools). */
describe.skipIf(python.skip)(`pip install sdk/python (${python.skip || python.python})`, () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'trainer-pip-'));
  });
  afterAll(async () => {
    if (work) await removeDir(work);
  });

  it('installs trainer_client into a target directory, importable from outside the repository', async () => {
    // pip builds in the source tree (build/, *.egg-info): build from a copy, leave the repository clean
    const source = join(work, 'source');
    await cp(SDK_PYTHON_DIR, source, { recursive: true, filter: (path) => !path.includes('__pycache__') });
    const target = join(work, 'site');
    const env = { PATH: process.env.PATH!, HOME: work, PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1', PYTHONNOUSERSITE: '1' };
    await run(python.python, ['-m', 'pip', 'install', '--no-build-isolation', '--no-index', '--no-cache-dir', '--target', target, source], {
      env,
      cwd: work,
      timeout: 300_000,
    });
    expect((await readdir(target)).sort()).toEqual(['trainer_client', 'trainer_client-0.1.0.dist-info']);

    const { stdout } = await run(
      python.python,
      [
        '-c',
        'import importlib.metadata as m, trainer_client as tc; print(tc.__file__); print(m.version("trainer-client")); print(tc.run_id(), tc.resume_from(), tc.stop_requested())',
      ],
      { env: { ...env, PYTHONPATH: target }, cwd: work, timeout: 60_000 },
    );
    const [file, version, outside] = stdout.trim().split('\n');
    expect(file).toBe(join(target, 'trainer_client', '__init__.py'));
    expect(version).toBe('0.1.0');
    expect(outside).toBe('None None False'); // no agent: a no-op, not an error
  });
});
