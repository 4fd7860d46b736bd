import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, removeDir, request } from '../helpers/agent-harness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** npm's environment without vitest's loaders; scarf's verbose log on, to see what it decides. */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, SCARF_VERBOSE: 'true', npm_config_update_notifier: 'false' };
  delete env.NODE_OPTIONS;
  for (const name of Object.keys(env)) if (name.startsWith('npm_lifecycle') || name === 'npm_command') delete env[name];
  return env;
}

// What a Dockerfile or a deploy does with a released trainer: the packed package (dist/ inside), its
// lockfile, `npm ci --omit=dev` (no TypeScript there), then `trainer agent` — and what systemd runs:
// the unit's own ExecStart line, with the unit's paths pointed at this install.
describe('the packed package, installed for production', () => {
  let dir: string;
  let app: string;
  let install: { stdout: string; stderr: string };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trainer-packed-'));
    // dist/ is what `npm test` just built; prepack builds it for a real `npm pack`
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
      cwd: ROOT,
      env: npmEnv(),
      maxBuffer: 64 * 1024 * 1024,
    });
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    app = join(dir, 'app');
    await mkdir(app);
    await run('tar', ['-xzf', join(dir, packed!.filename), '-C', app, '--strip-components=1']);
    await copyFile(join(ROOT, 'package-lock.json'), join(app, 'package-lock.json'));
    install = await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', '--foreground-scripts'], {
      cwd: app,
      env: npmEnv(),
      maxBuffer: 64 * 1024 * 1024,
      timeout: 400_000,
    });
  }, 420_000);
  afterAll(async () => {
    if (dir) await removeDir(dir);
  });

  it('installs with npm ci --omit=dev: no compiler, no native engine download, no stack trace, no install telemetry', async () => {
    const output = install.stdout + install.stderr;
    expect(existsSync(join(app, 'node_modules', 'typescript'))).toBe(false);
    expect(existsSync(join(app, 'dist', 'src', 'index.js'))).toBe(true);
    expect(await readdir(join(app, 'node_modules', '@tensorflow'))).not.toContain('tfjs-node');
    expect(output).not.toMatch(/^\s+at /m);
    expect(output).not.toMatch(/libtensorflow|storage\.googleapis\.com/);
    // swagger-ui-dist brings scarf-js; trainer's package.json opts out (scarfSettings), so it sends nothing
    expect(output).not.toContain('Scarf payload');
    if (existsSync(join(app, 'node_modules', '@scarf', 'scarf'))) expect(output).toMatch(/User has opted out/);
  });

  it("starts the agent with the systemd unit's ExecStart line, pointed at this install", async () => {
    const unit = await readFile(join(ROOT, 'deploy/systemd/trainer-agent.service'), 'utf8');
    const execStart = /^ExecStart=(.+)$/m.exec(unit)![1]!;
    const stateDir = join(dir, 'var-lib-trainer');
    await mkdir(stateDir); // what StateDirectory= does, and WorkingDirectory= is
    const argv = execStart.replaceAll('/opt/trainer', app).replaceAll('/var/lib/trainer', stateDir).split(/\s+/);
    expect(argv[0]).toBe('/usr/bin/node');
    argv[0] = process.execPath; // the node running this test, wherever it is installed
    const agent = spawn(argv[0], [...argv.slice(1), '--port', '0', '--host', '127.0.0.1'], {
      cwd: stateDir,
      env: { ...npmEnv(), NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    agent.stdout.on('data', (chunk) => (output += chunk));
    agent.stderr.on('data', (chunk) => (output += chunk));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the agent did not start:\n${output}`)), 30_000);
        agent.stdout.on('data', () => {
          const match = /listening on (http:\/\/\S+)/.exec(output);
          if (match) (resolve(match[1]!), clearTimeout(timer));
        });
        agent.once('exit', (code) => reject(new Error(`the agent exited with ${code}:\n${output}`)));
      });
      // --generate-key: the key is printed and kept in the state directory
      const key = /API key: (\S+)/.exec(output)?.[1];
      expect(key).toBeTruthy();
      expect((await readFile(join(stateDir, 'generated-api-key'), 'utf8')).trim()).toBe(key);
      expect((await fetch(`${url}/health`)).status).toBe(200);
      const runs = await request(url, 'GET', '/api/v1/training/sessions', undefined, { authorization: `Bearer ${key}` });
      expect(runs.status).toBe(200);
      expect((await request(url, 'GET', '/api/v1/training/sessions', undefined, { authorization: `Bearer ${API_KEY}` })).status).toBe(401);
    } finally {
      agent.kill('SIGTERM');
    }
  });
});
