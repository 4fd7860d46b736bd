import { execFile } from 'node:child_process';
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
});
