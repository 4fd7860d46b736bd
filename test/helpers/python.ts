import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A Python to run from tests, or why there is none. In CI (CI=true) there must be one: a missing one fails the file. */
export type PythonOrReason = { python: string; skip: false } | { python: ''; skip: string };

/**
 * Debian's Python with PyTorch and scikit-learn, from the project's own script (installs
 * python3-torch and python3-sklearn when missing, as root with apt). Called at collection time, so
 * that a test can be skipped with the reason.
 */
export function torchPython(): PythonOrReason {
  try {
    const python = execFileSync(`${ROOT}/scripts/test-deps/ensure-torch.sh`, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 15 * 60_000 })
      .toString()
      .trim();
    return { python, skip: false };
  } catch (error) {
    const why = String((error as { stderr?: Buffer }).stderr ?? '').trim() || (error as Error).message;
    return missing(`PyTorch is not available: ${why}`);
  }
}

/** Debian's Python with pip, setuptools and wheel (the project's script installs them when missing), to `pip install sdk/python` offline. */
export function pipPython(): PythonOrReason {
  try {
    const python = execFileSync(`${ROOT}/scripts/test-deps/ensure-pip.sh`, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10 * 60_000 })
      .toString()
      .trim();
    return { python, skip: false };
  } catch (error) {
    const why = String((error as { stderr?: Buffer }).stderr ?? '').trim() || (error as Error).message;
    return missing(`pip is not available: ${why}`);
  }
}

/** Any Python >= 3.8 (trainer_client needs nothing else): the first python3 on PATH. */
export function plainPython(): PythonOrReason {
  try {
    execFileSync('python3', ['-c', 'import sys; assert sys.version_info >= (3, 8)'], { stdio: 'pipe' });
    return { python: 'python3', skip: false };
  } catch (error) {
    return missing(`no python3 >= 3.8 on PATH: ${(error as Error).message}`);
  }
}

function missing(reason: string): PythonOrReason {
  if (process.env.CI === 'true') throw new Error(`${reason} (CI=true: these tests must run)`);
  return { python: '', skip: reason };
}

export const SDK_PYTHON_DIR = `${ROOT}sdk/python`;

/** Every process in a process group (Linux /proc), e.g. the ranks of a training job. */
export function processGroupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields[0] is the state (field 3); the group is field 5
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return members;
}

/** The children of a process (the supervisor's training process). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
