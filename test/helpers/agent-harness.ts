import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAgent, resolveAgentConfig, type Agent } from '../../dist/src/index.js';
import { createLogger } from '../../dist/src/logging/logger.js';

export const FIXTURE_RECIPES = fileURLToPath(new URL('../fixtures/recipes', import.meta.url));
export const API_KEY = 'test-key-1';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface TestAgent {
  agent: Agent;
  url: string;
  dataDir: string;
  api<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  close(): Promise<void>;
}

/** The suite's response check (vitest.config.ts sets TRAINER_VALIDATE_RESPONSES=1): test agents get only the env given here, so it is passed on. */
function validationEnv(): Record<string, string> {
  const flag = process.env.TRAINER_VALIDATE_RESPONSES;
  return flag === undefined ? {} : { TRAINER_VALIDATE_RESPONSES: flag };
}

/** A real agent in this process, on a loopback port, with its own data dir and the fixture recipes. */
export async function startTestAgent(options: { env?: Record<string, string>; dataDir?: string } = {}): Promise<TestAgent> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'trainer-test-')));
  const env = {
    API_KEYS: API_KEY,
    API_HOST: '127.0.0.1',
    API_PORT: '0',
    TRAINER_RECIPE_DIRS: FIXTURE_RECIPES,
    TRAINER_STOP_GRACE_SECONDS: '2',
    TRAINER_NVIDIA_SMI: '/nonexistent/nvidia-smi',
    TRAINER_RATE_LIMIT_PER_MINUTE: '1000000',
    TRAINER_AUTH_FAILURES_PER_MINUTE: '1000000',
    TRAINER_OUTBOUND_ALLOW: '127.0.0.0/8,::1',
    ...validationEnv(),
    ...options.env,
  };
  const config = resolveAgentConfig({ dataDir }, env);
  const agent = await createAgent(config, createLogger({ level: 'silent' }));
  const url = await agent.listen();
  return {
    agent,
    url,
    dataDir,
    api: (method, path, body, headers) => request(url, method, path, body, headers),
    /** Stops what the test left running (training processes outlive an agent by design), then closes. */
    async close() {
      // queued runs first: stopping a running one frees its slot, and a queued run would start in it
      await Promise.all(agent.runs.queue().map((run) => agent.runs.cancel(run.id).catch(() => {})));
      const running = agent.runs.list({ state: 'running', limit: 1000, offset: 0 }).runs;
      await Promise.all(running.map((run) => agent.runs.stop(run.id).catch(() => {})));
      await agent.close();
      if (ownsDataDir) await removeDir(dataDir);
    },
  };
}

export async function request<T = any>(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResponse<T>> {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${API_KEY}`, ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const response = await fetch(url + path, init);
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // keep text
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

/** Polls until `check` returns a truthy value; fails with the last value seen. No wall-clock assertion. */
export async function waitFor<T>(check: () => Promise<T> | T, what: string, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last as NonNullable<T>;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
}

export async function waitForState(api: TestAgent['api'], id: string, states: string[], timeoutMs?: number): Promise<any> {
  return waitFor(
    async () => {
      const { body } = await api('GET', `/api/v1/training/${id}/status`);
      return states.includes(body.state) ? body : null;
    },
    `${id} to reach ${states.join('|')}`,
    timeoutMs,
  );
}

/** Best effort: a supervisor that is still finishing may write into the directory while it goes. */
export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }).catch(() => {});
}
