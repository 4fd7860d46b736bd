import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const UNIT = join(ROOT, 'deploy/systemd/trainer-agent.service');
const run = promisify(execFile);
const onPath = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

/** `Key=value` lines of one section of a systemd unit. */
function unitSection(text: string, section: string): Map<string, string[]> {
  const body = text.split(/^\[/m).find((part) => part.startsWith(`${section}]`)) ?? '';
  const keys = new Map<string, string[]>();
  for (const line of body.split('\n').slice(1)) {
    const match = /^(\w+)=(.*)$/.exec(line.trim());
    if (match) keys.set(match[1]!, [...(keys.get(match[1]!) ?? []), match[2]!]);
  }
  return keys;
}

describe('deploy/systemd/trainer-agent.service', () => {
  it('passes systemd-analyze verify without a word', async (context) => {
    if (!onPath('systemd-analyze')) return context.skip('systemd-analyze is not installed here (Debian: the systemd package)');
    let unit = await readFile(UNIT, 'utf8');
    // verify checks that ExecStart's program exists: where node is not /usr/bin/node, the node running this
    if (!existsSync('/usr/bin/node')) unit = unit.replace('/usr/bin/node', process.execPath);
    const dir = await mkdtemp(join(tmpdir(), 'trainer-unit-'));
    await writeFile(join(dir, 'trainer-agent.service'), unit);
    const result = spawnSync('systemd-analyze', ['verify', join(dir, 'trainer-agent.service')], { encoding: 'utf8' });
    expect({ code: result.status, output: result.stdout + result.stderr }).toEqual({ code: 0, output: '' });
  });

  it('runs as its own user with a state directory, hardened, restarted on failure, leaving runs alive on stop', async () => {
    const service = unitSection(await readFile(UNIT, 'utf8'), 'Service');
    const one = (key: string) => service.get(key)?.at(-1);
    expect(one('User')).toBe('trainer');
    expect(one('StateDirectory')).toBe('trainer');
    expect(one('ExecStart')).toContain('--data-dir /var/lib/trainer');
    expect(one('KillMode')).toBe('process');
    expect(one('Restart')).toBe('on-failure');
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('CapabilityBoundingSet')).toBe('');
    expect(service.has('MemoryDenyWriteExecute')).toBe(false); // V8's JIT needs W+X pages
    expect(service.has('PrivateDevices')).toBe(false); // would hide /dev/nvidia*
  });
});

describe('Dockerfile', () => {
  const dockerfile = () => readFile(join(ROOT, 'Dockerfile'), 'utf8');

  it('lints clean with dockerfile-utils (and hadolint, where installed)', async () => {
    const { stdout, stderr } = await run('npx', ['--yes', 'dockerfile-utils@0.16.3', 'lint', join(ROOT, 'Dockerfile')], { cwd: ROOT, timeout: 120_000 });
    expect(stdout + stderr).toBe('');
    if (onPath('hadolint')) {
      const hadolint = spawnSync('hadolint', [join(ROOT, 'Dockerfile')], { encoding: 'utf8' });
      expect(hadolint.stdout + hadolint.stderr).toBe('');
    }
  }, 150_000);

  it('is multi-stage, installs the packed package without dev dependencies, runs as non-root with a data volume and a /health check', async () => {
    const text = await dockerfile();
    const stages = text.split(/^FROM /m).slice(1);
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const [build, runtime] = [stages[0]!, stages.at(-1)!];
    expect(build).toMatch(/npm pack/);
    expect(runtime).toMatch(/COPY --from=build /);
    expect(runtime).toMatch(/npm ci --omit=dev/);
    expect(runtime).not.toMatch(/tsc|npm run build/);
    expect(runtime).toMatch(/^USER (?!root|0\b)\S+/m);
    expect(runtime).toMatch(/^VOLUME \["\/data"\]/m);
    expect(runtime).toMatch(/TRAINER_DATA_DIR=\/data/);
    expect(runtime).toMatch(/^HEALTHCHECK [\s\S]*\/health/m);
  });
});
