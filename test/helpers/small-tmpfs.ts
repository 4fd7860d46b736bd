import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SmallTmpfs {
  /** The mount point, or '' when skipped. */
  dir: string;
  /** Why the tests are skipped here, or false. */
  skip: string | false;
  unmount(): void;
}

/**
 * A tmpfs of `sizeMb` MiB, mounted for a test that fills a disk. Mounting needs root: elsewhere the
 * tests are skipped with the reason — except in CI (CI=true), where they must run: then this throws.
 */
export function mountSmallTmpfs(sizeMb: number): SmallTmpfs {
  const unavailable = (reason: string): SmallTmpfs => {
    if (process.env.CI === 'true') throw new Error(`The full-disk tests must run in CI, but no tmpfs can be mounted: ${reason}`);
    return { dir: '', skip: reason, unmount: () => {} };
  };
  if (process.platform !== 'linux') return unavailable(`not Linux (${process.platform})`);
  if (process.getuid?.() !== 0) return unavailable(`mounting a tmpfs needs root (running as uid ${process.getuid?.()})`);
  const dir = mkdtempSync(join(tmpdir(), 'trainer-full-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return unavailable(`mount -t tmpfs failed: ${(error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message}`);
  }
  return {
    dir,
    skip: false,
    unmount: () => {
      // lazily: a supervisor still finishing may hold a file open a moment longer
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
