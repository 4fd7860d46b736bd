import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { API_KEY, FIXTURE_RECIPES, request, type ApiResponse } from './agent-harness.js';

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

export interface AgentProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  api<T = any>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>>;
}

/**
 * How long an agent process may take to say it is listening: generous, because on a loaded 2-core
 * machine Node's start-up and the agent's imports alone have taken over 20 s. A test that starts one
 * needs a test timeout above this.
 */
export const AGENT_START_TIMEOUT_MS = 90_000;

/** `trainer agent` as its own OS process, the way a user runs it: for crash and restart tests. */
export async function spawnAgentProcess(dataDir: string, env: Record<string, string> = {}, options: { cwd?: string } = {}): Promise<AgentProcess> {
  const child = spawn(process.execPath, [BIN, 'agent', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir], {
    env: {
      ...process.env,
      API_KEYS: API_KEY,
      TRAINER_RECIPE_DIRS: FIXTURE_RECIPES,
      TRAINER_NVIDIA_SMI: '/nonexistent/nvidia-smi',
      TRAINER_RATE_LIMIT_PER_MINUTE: '1000000',
      TRAINER_AUTH_FAILURES_PER_MINUTE: '1000000',
      TRAINER_OUTBOUND_ALLOW: '127.0.0.0/8,::1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.cwd && { cwd: options.cwd }),
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`agent did not start in ${AGENT_START_TIMEOUT_MS / 1000} s:\n${output}`));
    }, AGENT_START_TIMEOUT_MS);
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`agent exited with ${code}:\n${output}`));
    });
  });
  return { child, url, output: () => output, api: (method, path, body) => request(url, method, path, body) };
}

export function killHard(agent: AgentProcess): Promise<void> {
  return new Promise((resolve) => {
    agent.child.once('exit', () => resolve());
    agent.child.kill('SIGKILL');
  });
}

export function stopGracefully(agent: AgentProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (agent.child.exitCode !== null || agent.child.signalCode !== null) return resolve(agent.child.exitCode);
    agent.child.once('exit', (code) => resolve(code));
    agent.child.kill('SIGTERM');
  });
}

export { API_KEY };
