import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { removeDir } from '../helpers/agent-harness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** tmux's environment without vitest's loaders (NODE_OPTIONS), which are not for the dashboard. */
function tmuxEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.TMUX;
  return env;
}

/** tmux from the project's own script (installs Debian's package when missing). */
export function requireTmux(): void {
  try {
    execFileSync(join(ROOT, 'scripts/test-deps/ensure-tmux.sh'), { stdio: 'pipe' });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim();
    throw new Error(
      `The dashboard tests drive \`trainer dash\` in a real terminal with tmux, which is missing and could not be installed: ${stderr || (error as Error).message}`,
    );
  }
}

/**
 * A tmux server of the test's own, on a socket of its own, so that a test never touches one the
 * developer uses: `tmux(...args)` runs a tmux command against it; `dispose()` kills it.
 */
export function privateTmux(prefix: string) {
  const socketDir = mkdtempSync(join(tmpdir(), prefix));
  const socket = join(socketDir, 'socket');
  const tmux = async (...args: string[]) => (await run('tmux', ['-S', socket, ...args], { env: tmuxEnv() })).stdout;
  return {
    tmux,
    async dispose() {
      await tmux('kill-server').catch(() => {});
      await removeDir(socketDir);
    },
  };
}
