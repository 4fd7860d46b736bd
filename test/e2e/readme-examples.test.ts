import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, removeDir, startTestAgent, type TestAgent } from '../helpers/agent-harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STANDIN_NVIDIA_SMI = fileURLToPath(new URL('../stand-ins/nvidia-smi', import.meta.url));
/** Blocks that install or build the project: CI runs those commands itself. */
const NOT_EXAMPLES = /^npm (install|run build|test)/m;

/**
 * Every ```bash block of the README, in order, with the line it starts on. ```bash marks an example
 * that runs against an agent as written; commands that set up a host (useradd, systemctl, docker) are
 * fenced ```sh and are not run here (deploy-files.test.ts and packed-install.test.ts check those).
 */
export function bashBlocks(readme: string): { line: number; text: string }[] {
  const blocks: { line: number; text: string }[] = [];
  const lines = readme.split('\n');
  for (let index = 0; index < lines.length; index++) {
    if (lines[index] !== '```bash') continue;
    const start = index + 1;
    while (index + 1 < lines.length && lines[index + 1] !== '```') index++;
    blocks.push({ line: start + 1, text: lines.slice(start, index + 1).join('\n') });
    index++;
  }
  return blocks;
}

/**
 * What is changed before running: the agent's address (the README says localhost:8000), `npx trainer`
 * → `trainer` (a wrapper of bin/run.js on PATH), and the `export KEY=...` placeholder (KEY is set).
 */
function asScript(blocks: { line: number; text: string }[], url: string): string {
  const body = blocks
    .map(
      ({ line, text }) =>
        `echo '### README.md line ${line}' >&2\n${text
          .replace(/(http:\/\/)?(localhost|127\.0\.0\.1):8000/g, url)
          .replace(/\bnpx trainer\b/g, 'trainer')
          .replace(/^export KEY=\.\.\..*$/m, '')}`,
    )
    .join('\n');
  // curl fails the script on an HTTP error, so that an example answered with a 4xx counts as broken
  return `set -xeo pipefail\ncurl() { command curl --silent --show-error --fail-with-body "$@"; }\n${body}\n`;
}

function irisCsv(shift: number): string {
  const rows = ['sepal_length,sepal_width,petal_length,petal_width,species'];
  const kinds = ['setosa', 'versicolor', 'virginica'];
  for (let i = 0; i < 150; i++) {
    const kind = Math.floor(i / 50);
    rows.push([5 + kind + (i % 7) / 10 + shift, 3 + (i % 5) / 10, 1.5 + kind * 2 + (i % 3) / 10, 0.2 + kind * 0.8, kinds[kind]].join(','));
  }
  return rows.join('\n') + '\n';
}

describe("README's trainer and curl examples run as written", () => {
  let t: TestAgent;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trainer-readme-'));
    t = await startTestAgent({ env: { TRAINER_ALLOW_COMMANDS: '1', TRAINER_NVIDIA_SMI: STANDIN_NVIDIA_SMI, MAX_CONCURRENT_SESSIONS: '4' } });
    // the files the examples upload
    await writeFile(join(dir, 'model.pth'), 'model weights');
    await writeFile(join(dir, 'resnet.pth'), 'resnet weights');
    await writeFile(join(dir, 'epoch-12.pt'), 'checkpoint weights');
    await writeFile(join(dir, 'iris.csv'), irisCsv(0));
    await writeFile(join(dir, 'iris-fixed.csv'), irisCsv(0.05));
    const trainer = join(dir, 'bin', 'trainer');
    await import('node:fs/promises').then(({ mkdir }) => mkdir(join(dir, 'bin')));
    await writeFile(trainer, `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin', 'run.js')}" "$@"\n`);
    await chmod(trainer, 0o755);
  });
  afterAll(async () => {
    await t.close();
    await removeDir(dir);
  });

  it('every bash block but install/build, in order, against a fresh agent with the seed-000 key', async () => {
    const blocks = bashBlocks(await readFile(join(ROOT, 'README.md'), 'utf8')).filter((block) => !NOT_EXAMPLES.test(block.text));
    expect(blocks.length).toBeGreaterThanOrEqual(10);
    const script = asScript(blocks, t.url);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KEY: API_KEY,
      TRAINER_URL: t.url,
      TRAINER_API_KEY: API_KEY,
      PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
      FORCE_COLOR: '0',
    };
    delete env.NODE_OPTIONS;
    const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn('bash', ['-c', script], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      child.on('close', (code) => resolve({ code, output }));
    });
    expect(result.code, result.output.slice(-4000)).toBe(0);
    // what the examples did is there
    expect(result.output).toMatch(/GPUs: [01]/);
    expect(result.output).toMatch(/"lines":\["456"\]/);
  }, 300_000);
});
