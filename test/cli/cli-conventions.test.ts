import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, removeDir, startTestAgent, type TestAgent } from '../helpers/agent-harness.js';
import { cli } from './cli-helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/**
 * The CLI in a real terminal: util-linux `script` gives it a pseudo-terminal (80 columns), `input`
 * is typed into it. Returns everything the terminal received and the exit code.
 */
async function inTerminal(args: string[], env: Record<string, string>, input = ''): Promise<{ code: number; output: string }> {
  const quoted = args.map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ');
  const childEnv: NodeJS.ProcessEnv = { ...process.env, TRAINER_API_KEY: API_KEY, FORCE_COLOR: '0', ...env };
  delete childEnv.NODE_OPTIONS;
  const command = `stty cols 80 rows 24; exec node bin/run.js ${quoted}`;
  return new Promise((resolve, reject) => {
    const child = execFile('script', ['-qefc', command, '/dev/null'], { cwd: ROOT, env: childEnv, timeout: 60_000 }, (error, stdout) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : -1) : 0;
      if (code === -1) return reject(error);
      resolve({ code, output: stdout });
    });
    child.stdin!.end(input);
  });
}

describe('CLI conventions', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('trainer help <topic>, help <command> and -h print help and exit 0', async () => {
    const [topic, command, short, rootShort] = await Promise.all([
      cli(t.url, ['help', 'run']),
      cli(t.url, ['help', 'run', 'start']),
      cli(t.url, ['run', 'start', '-h']),
      cli(t.url, ['-h']),
    ]);
    expect(topic).toMatchObject({ code: 0 });
    expect(topic.stdout).toMatch(/^ {2}run start +Start a training run/m);
    expect(command).toMatchObject({ code: 0 });
    expect(command.stdout).toContain('$ trainer run start RECIPE');
    expect(short).toMatchObject({ code: 0, stdout: command.stdout });
    expect(rootShort).toMatchObject({ code: 0 });
    expect(rootShort.stdout).toMatch(/^TOPICS/m);
  });

  it('a mistyped command: "did you mean" on a terminal; a plain error and exit 127 in a script', async () => {
    const typed = await inTerminal(['run', 'strat'], { TRAINER_URL: t.url }, 'n\n');
    expect(typed.output).toContain('run strat is not a trainer command');
    expect(typed.output).toMatch(/Did you mean .*run start.*\?/);
    const scripted = await cli(t.url, ['run', 'strat']);
    expect(scripted.code).toBe(127);
    expect(scripted.stderr).toContain('run strat is not a trainer command');
  });

  it('bash completion: `trainer autocomplete` builds a completion that completes commands', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'trainer-completion-'));
    try {
      const setup = await cli(t.url, ['autocomplete', 'script', 'bash'], { XDG_CACHE_HOME: cache });
      expect(setup.code).toBe(0);
      const refreshed = await cli(t.url, ['autocomplete', 'bash', '--refresh-cache'], { XDG_CACHE_HOME: cache });
      expect(refreshed.code).toBe(0);
      // what a user's .bashrc gets, then bash's completion protocol: COMP_WORDS in, COMPREPLY out
      const script = `${setup.stdout.trim()}\nCOMP_WORDS=(trainer run st); COMP_CWORD=2; _trainer_autocomplete; echo "\${COMPREPLY[@]}"`;
      const { stdout } = await run('bash', ['--noprofile', '--norc', '-c', script]);
      expect(stdout.trim().split(' ').sort()).toEqual(['start', 'status', 'stop']);
    } finally {
      await removeDir(cache);
    }
  });

  it('a malformed TRAINER_URL is named in one line with exit 2, not a raw TypeError', async () => {
    for (const [url, problem] of [
      ['localhost:8000', 'has no scheme'],
      ['http://[::1', 'is not a URL'],
      ['ftp://gpu-box', 'is not http(s) but ftp'],
    ]) {
      const result = await cli(url!, ['queue']);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`Error: --url / TRAINER_URL "${url}" ${problem} (example: http://127.0.0.1:8000)\n`);
    }
  });

  it('run start --wait on a terminal draws one progress line redrawn in place, then the result', async () => {
    const { code, output } = await inTerminal(['run', 'start', 'ticker', '-p', 'epochs=6', '-p', 'interval_ms=150', '--wait', '--poll-interval', '50'], {
      TRAINER_URL: t.url,
    });
    expect(code).toBe(0);
    const lines = output.split(/\r?\n/).filter(Boolean);
    // the created line, the progress line (redrawn with \r and erase-line), the completed line
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^sess_\w+ (queued|running)/);
    const redraws = lines[1]!.split('\r\x1b[K').filter(Boolean);
    expect(redraws.length).toBeGreaterThan(2);
    expect(redraws.at(-1)).toMatch(/^sess_\w+ completed \[#{20}\] 100% {2}epoch 6\/6 {2}loss 0\.1667/);
    for (const redraw of redraws) expect(redraw.length).toBeLessThan(80);
    expect(lines[2]).toMatch(/^sess_\w+ completed at epoch 6\/6$/);
  });
});
