import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Debian's prometheus and promtool, installed by the project's script when missing. Where they cannot
 * be installed the reason is returned, for the test to skip with; under CI (CI=true) that is an error.
 */
export function ensurePrometheus(): { available: true } | { available: false; reason: string } {
  try {
    execFileSync(join(ROOT, 'scripts/test-deps/ensure-prometheus.sh'), { stdio: 'pipe', timeout: 900_000 });
    return { available: true };
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim();
    const reason = `a real Prometheus is needed and could not be installed: ${stderr || (error as Error).message}`;
    if (process.env.CI === 'true') throw new Error(reason);
    return { available: false, reason };
  }
}

export interface RunningPrometheus {
  url: string;
  /** An instant PromQL query; the result vector. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** Its alerting rules as its API lists them: each with its health and last evaluation error. */
  rules(): Promise<{ name: string; health: string; lastError?: string; lastEvaluation: string }[]>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The real Prometheus binary on a loopback port, configured with the project's shipped
 * deploy/prometheus/prometheus.yml and its alerting rules, changed only where a test must: the target
 * (host:port), the key file, and a 1 s scrape and evaluation interval.
 */
export async function startPrometheus(target: string, apiKey: string): Promise<RunningPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'trainer-prometheus-'));
  const shipped = parseYaml(await readFile(join(ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8'));
  shipped.global = { ...shipped.global, scrape_interval: '1s', evaluation_interval: '1s' };
  const job = shipped.scrape_configs.find((config: { job_name: string }) => config.job_name === 'trainer');
  job.static_configs = [{ targets: [target] }];
  job.authorization.credentials_file = join(dir, 'trainer-api-key');
  await writeFile(job.authorization.credentials_file, `${apiKey}\n`, { mode: 0o600 });
  for (const rules of shipped.rule_files) await copyFile(join(ROOT, 'deploy/prometheus', rules), join(dir, rules));
  const config = stringifyYaml(shipped);
  await writeFile(join(dir, 'prometheus.yml'), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    'prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${output}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`prometheus did not become ready: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    async query(promql) {
      const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: promql })}`);
      const body = (await response.json()) as {
        status: string;
        error?: string;
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      if (body.status !== 'success') throw new Error(`PromQL ${promql}: ${body.error}`);
      return body.data.result;
    },
    async rules() {
      const body = (await (await fetch(`${url}/api/v1/rules`)).json()) as {
        data: { groups: { rules: { name: string; health: string; lastError?: string; lastEvaluation: string }[] }[] };
      };
      return body.data.groups.flatMap((group) => group.rules);
    },
    async close() {
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `promtool check metrics` on an exposition: its exit code and everything it printed (stdout and stderr). */
export function promtoolCheckMetrics(exposition: string): { code: number | null; output: string } {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  if (result.error) throw result.error;
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}
