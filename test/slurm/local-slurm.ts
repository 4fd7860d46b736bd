import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPTS = fileURLToPath(new URL('../../scripts/slurm/', import.meta.url));
/** Where start-local-slurm.sh keeps its state (its TRAINER_SLURM_STATE_DIR). */
const STATE_DIR = process.env.TRAINER_SLURM_STATE_DIR ?? '/var/lib/trainer-slurm';
export const SLURM_RECIPES = fileURLToPath(new URL('../fixtures/slurm-recipes', import.meta.url));

export interface LocalSlurm {
  ok: boolean;
  /** Why Slurm is not there, when it is not. */
  reason: string;
  /** What the start script printed (its start-up time among it). */
  output: string;
  stop(): Promise<void>;
}

function run(script: string, timeoutMs: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('bash', [join(SCRIPTS, script)], { timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
  });
}

/**
 * Starts the single-node Slurm of scripts/slurm/start-local-slurm.sh (installing it with apt-get if
 * needed). Where it cannot be started here (not root, no apt, another Slurm's configuration: the script
 * exits 2), `ok` is false with the reason, and the tests are skipped — except in CI (CI=true), where
 * they must run: then this throws. A failure of another kind always throws.
 */
export async function startLocalSlurm(): Promise<LocalSlurm> {
  const mustRun = process.env.CI === 'true';
  const unavailable = (reason: string): LocalSlurm => {
    if (mustRun) throw new Error(`The Slurm tests must run in CI, but Slurm cannot be started: ${reason}`);
    return { ok: false, reason, output: '', stop: async () => {} };
  };
  if (process.platform !== 'linux') return unavailable(`not Linux (${process.platform})`);
  if (process.getuid?.() !== 0) return unavailable(`starting a local Slurm needs root (running as uid ${process.getuid?.()})`);
  // test files run in parallel and share the one Slurm: each holds a lease from before its start until its
  // stop, and the stop script leaves Slurm running while another live process holds one
  const lease = join(STATE_DIR, 'users', `${process.pid}-${randomUUID()}`);
  await mkdir(dirname(lease), { recursive: true });
  await writeFile(lease, '');
  const release = () => rm(lease, { force: true });
  const started = await run('start-local-slurm.sh', 300_000);
  if (started.code !== 0) await release();
  if (started.code === 2) return unavailable(started.output.split('\n').pop() ?? 'the start script refused');
  if (started.code !== 0) throw new Error(`scripts/slurm/start-local-slurm.sh failed (exit ${started.code}):\n${started.output}`);
  return {
    ok: true,
    reason: '',
    output: started.output,
    stop: async () => {
      await release();
      const stopped = await run('stop-local-slurm.sh', 60_000);
      if (stopped.code !== 0) throw new Error(`scripts/slurm/stop-local-slurm.sh failed:\n${stopped.output}`);
    },
  };
}

/** A config file for an agent: the slurm backend's config and the Slurm fixture recipes. */
export async function slurmAgentConfig(pluginConfig: Record<string, unknown> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'trainer-slurm-config-'));
  const file = join(dir, 'trainer.yaml');
  const config = { poll_interval_seconds: 0.25, output_poll_ms: 100, ...pluginConfig };
  // JSON is YAML
  await writeFile(file, JSON.stringify({ recipe_dirs: [SLURM_RECIPES], plugins: { config: { 'backend:slurm': config } } }, null, 2));
  return file;
}
