import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { API_KEY } from '../helpers/agent-harness.js';

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));
const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI binary as a child process against `url`; never throws on a non-zero exit. */
export async function cli(url: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const childEnv = cliEnv(url, env);
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: childEnv, timeout: 45_000, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string; killed?: boolean; signal?: string };
    if (typeof failed.code !== 'number') throw error; // could not start, or killed by the timeout
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

function cliEnv(url: string, env: Record<string, string>): NodeJS.ProcessEnv {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, TRAINER_URL: url, TRAINER_API_KEY: API_KEY, FORCE_COLOR: '0', ...env };
  delete childEnv.NODE_OPTIONS; // vitest's loaders are not for the child
  return childEnv;
}

export interface RunningCli {
  /** stdout so far */
  stdout(): string;
  /** stderr so far */
  stderr(): string;
  /** resolves when the process exits */
  done: Promise<CliResult>;
  /** SIGTERM unless another signal is named (SIGINT: what Ctrl-C sends). */
  kill(signal?: NodeJS.Signals): void;
}

/** Starts the CLI and lets the test watch its output while it runs (for --follow and --wait). */
export function spawnCli(url: string, args: string[], env: Record<string, string> = {}, options: { cwd?: string } = {}): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], { env: cliEnv(url, env), cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
  return { stdout: () => stdout, stderr: () => stderr, done, kill: (signal) => child.kill(signal) };
}

/** The lines of a command's output, without blank ones. */
export const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');
