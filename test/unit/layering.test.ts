import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

describe('architecture', () => {
  it('imports follow the layering of ARCHITECTURE.md (scripts/check-imports.mjs)', async () => {
    const script = fileURLToPath(new URL('../../scripts/check-imports.mjs', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [script]).catch((error) => {
      throw new Error(`layering violations:\n${error.stderr}`);
    });
    expect(stdout).toContain('imports follow the layering');
  });

  it('refuses an import against the rules, and an allow-list rule that no import uses', async () => {
    const script = fileURLToPath(new URL('../../scripts/check-imports.mjs', import.meta.url));
    const tree = await mkdtemp(join(tmpdir(), 'layering-'));
    const put = async (path: string, text: string) => {
      await mkdir(join(tree, path, '..'), { recursive: true });
      await writeFile(join(tree, path), text);
    };
    await put('src/domain/run.ts', "import { RunService } from '../services/run-service.js';\n");
    await put('src/services/run-service.ts', 'export class RunService {}\n');
    const error = await promisify(execFile)(process.execPath, [script, tree]).then(
      () => null,
      (failure: { stderr: string }) => failure,
    );
    expect(error?.stderr).toContain('src/domain/run.ts: imports src/services/run-service.ts (src/domain may import src/errors.ts, src/logging)');
    // the tree imports nothing else: every other rule is unused
    expect(error?.stderr).toContain('bots may import src/services, but nothing there does: remove the rule');
  });
});
