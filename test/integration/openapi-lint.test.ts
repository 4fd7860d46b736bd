import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startTestAgent, type TestAgent } from '../helpers/agent-harness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REDOCLY = join(ROOT, 'node_modules/@redocly/cli/bin/cli.js');

describe('the served OpenAPI document under Redocly lint (pinned @redocly/cli, redocly.yaml)', () => {
  let t: TestAgent;
  let dir: string;
  beforeAll(async () => {
    t = await startTestAgent();
    dir = await mkdtemp(join(tmpdir(), 'trainer-lint-'));
  });
  afterAll(async () => {
    await t.close();
    await removeDir(dir);
  });

  it('has no errors and no warnings', async () => {
    const file = join(dir, 'openapi.json');
    await writeFile(file, await (await fetch(`${t.url}/openapi.json`)).text());
    const lint = await promisify(execFile)(process.execPath, [REDOCLY, 'lint', file, '--config', join(ROOT, 'redocly.yaml'), '--format', 'json'], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { stdout: string; stderr: string }) => error);
    const report = JSON.parse(lint.stdout.slice(lint.stdout.indexOf('{')));
    const problems = report.problems.map(
      (problem: { ruleId: string; message: string; location?: { pointer?: string }[] }) =>
        `${problem.ruleId}: ${problem.message} at ${problem.location?.[0]?.pointer}`,
    );
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 120_000);
});
