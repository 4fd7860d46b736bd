import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../src/agent/logger.js';
import { createAgent, resolveAgentConfig, type Agent } from '../src/index.js';

export const BENCH_KEY = 'bench-key';
export const TRAINER_HOME = fileURLToPath(new URL('../../', import.meta.url));
export const BENCH_RECIPES = join(TRAINER_HOME, 'bench', 'recipes');

export interface BenchAgent {
  agent: Agent;
  url: string;
  api<T = any>(method: string, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

/** A real agent in this process on a loopback port, with its own data dir; no rate limit. */
export async function startBenchAgent(env: Record<string, string> = {}): Promise<BenchAgent> {
  const dataDir = await mkdtemp(join(tmpdir(), 'trainer-bench-'));
  const config = resolveAgentConfig({ dataDir }, { API_KEYS: BENCH_KEY, API_HOST: '127.0.0.1', API_PORT: '0', TRAINER_RECIPE_DIRS: BENCH_RECIPES, TRAINER_NVIDIA_SMI: '/nonexistent', TRAINER_RATE_LIMIT_PER_MINUTE: '0', TRAINER_STOP_GRACE_SECONDS: '2', ...env });
  const agent = await createAgent(config, createLogger({ level: 'silent' }));
  const url = await agent.listen();
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(url + path, { method, headers: { authorization: `Bearer ${BENCH_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  return {
    agent,
    url,
    api,
    async close() {
      await agent.close();
      await rm(dataDir, { recursive: true, force: true, maxRetries: 5 }).catch(() => {});
    },
  };
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const median = (values: readonly number[]) => percentile(values, 50);

export interface Figure {
  name: string;
  value: string;
}

export interface BenchResult {
  title: string;
  figures: Figure[];
  /** The headline ratio and its target, when the benchmark has one. */
  target?: { description: string; ratio: number; met: boolean };
}

export function printResult(result: BenchResult): void {
  console.log(`\n## ${result.title}`);
  for (const figure of result.figures) console.log(`  ${figure.name.padEnd(46)} ${figure.value}`);
  if (result.target) console.log(`  ${'target'.padEnd(46)} ${result.target.description}: ${result.target.ratio.toFixed(3)} → ${result.target.met ? 'PASS' : 'MISS'}`);
}

export const machine = () => `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`;
export const fmt = (value: number, digits = 1) => value.toFixed(digits);
