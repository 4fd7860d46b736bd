import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../src/logging/logger.js';
import { createAgent, resolveAgentConfig, type Agent } from '../src/index.js';

export const BENCH_KEY = 'bench-key';
/** The repository root (this file runs as dist/bench/harness.js). */
export const TRAINER_HOME = fileURLToPath(new URL('../../', import.meta.url));
export const BENCH_RECIPES = join(TRAINER_HOME, 'bench', 'recipes');
export const BENCH_SCRIPTS = join(TRAINER_HOME, 'bench', 'scripts');

export interface BenchAgent {
  agent: Agent;
  url: string;
  dataDir: string;
  api<T = any>(method: string, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

/**
 * A real agent in this process on a loopback port, with its own temp data dir and the bench recipes
 * (plus the built-in ones). The rate limit is set high enough never to trip but stays switched on,
 * so requests pay for it as they do in production.
 */
export async function startBenchAgent(env: Record<string, string> = {}, options: { processBackend?: Record<string, unknown> } = {}): Promise<BenchAgent> {
  const dataDir = await mkdtemp(join(tmpdir(), 'trainer-bench-'));
  const prototype: Record<string, string> = {};
  if (options.processBackend) {
    // the process backend's own settings (e.g. warm_supervisor: false), as an operator's config file gives them
    const configFile = join(dataDir, 'bench-config.yaml');
    await writeFile(configFile, `plugins:\n  config:\n    "backend:process": ${JSON.stringify(options.processBackend)}\n`);
    prototype.TRAINER_CONFIG = configFile;
  }
  const config = resolveAgentConfig(
    { dataDir },
    {
      API_KEYS: BENCH_KEY,
      API_HOST: '127.0.0.1',
      API_PORT: '0',
      TRAINER_RECIPE_DIRS: BENCH_RECIPES,
      TRAINER_NVIDIA_SMI: '/nonexistent/nvidia-smi',
      TRAINER_RATE_LIMIT_PER_MINUTE: '10000000',
      TRAINER_AUTH_FAILURES_PER_MINUTE: '10000000',
      TRAINER_OUTBOUND_ALLOW: '127.0.0.0/8,::1',
      TRAINER_STOP_GRACE_SECONDS: '2',
      MAX_CONCURRENT_SESSIONS: '1',
      ...prototype,
      ...env,
    },
  );
  const agent = await createAgent(config, createLogger({ level: 'silent' }));
  const url = await agent.listen();
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${BENCH_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  return {
    agent,
    url,
    dataDir,
    api,
    /** Stops what is still running (training outlives an agent by design), closes, removes the data dir. */
    async close() {
      const running = agent.runs.list({ state: 'running', limit: 1000, offset: 0 }).runs;
      await Promise.all(running.map((run) => agent.runs.stop(run.id).catch(() => {})));
      await agent.close();
      await removeDir(dataDir);
    },
  };
}

/** Polls the in-process agent (no HTTP, so the poll costs next to nothing) until the run has ended. */
export async function waitForEnd(bench: BenchAgent, id: string, timeoutMs = 120_000, pollMs = 5): Promise<ReturnType<Agent['runs']['get']>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = bench.agent.runs.get(id);
    if (run.state === 'completed' || run.state === 'failed' || run.state === 'stopped') return run;
    if (Date.now() > deadline) throw new Error(`run ${id} still ${run.state} after ${timeoutMs} ms`);
    await sleep(pollMs);
  }
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }).catch(() => {});
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs a command to its end; resolves with its stdout, rejects on a non-zero exit. */
export function runCommand(command: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${err.slice(-2000)}`))));
    child.stdin.end(options.input ?? '');
  });
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export interface Figure {
  name: string;
  value: string;
}

export interface BenchResult {
  title: string;
  figures: Figure[];
  /** The headline ratio: what it divides, and its value; `beside`: a second figure printed next to it wherever it is shown. */
  ratio: { description: string; value: number; unit?: string; beside?: string };
  /** Its target; absent where the brief sets none (the ratio is then reported for information). */
  target?: { description: string; met: boolean };
  /** What limits the number, printed under it. */
  notes?: string[];
}

export function printResult(result: BenchResult): void {
  const width = 52;
  console.log(`\n## ${result.title}`);
  for (const figure of result.figures) console.log(`  ${figure.name.padEnd(width)} ${figure.value}`);
  console.log(`  ${('ratio: ' + result.ratio.description).padEnd(width)} ${formatRatio(result.ratio)}`);
  if (result.target) console.log(`  ${('target: ' + result.target.description).padEnd(width)} ${result.target.met ? 'PASS' : 'MISS'}`);
  else console.log(`  ${'target: none set'.padEnd(width)} (informational)`);
  for (const note of result.notes ?? []) console.log(`  · ${note}`);
}

export function formatRatio(ratio: BenchResult['ratio']): string {
  const value = ratio.unit === '%' ? `${(ratio.value * 100).toFixed(2)} %` : `${ratio.value.toFixed(3)}${ratio.unit ?? ''}`;
  return ratio.beside ? `${value} (${ratio.beside})` : value;
}

export const machine = () => `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, ${process.platform}/${process.arch}`;
export const fmt = (value: number, digits = 1) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
