import { statfs } from 'node:fs/promises';

export interface DiskSpace {
  path: string;
  free_bytes: number;
  total_bytes: number;
  free_percent: number;
  min_free_bytes: number;
}

/** The share of a disk under which it counts as nearly full when that is less than the configured minimum (small disks). */
const MIN_FREE_SHARE = 0.05;

/**
 * The free space of the disk holding `path` (one statfs: cheap, off the event loop), and the threshold
 * under which /health says `degraded`; null when the path cannot be read.
 */
export async function diskSpace(path: string, minFreeBytes: number): Promise<DiskSpace | null> {
  const stats = await statfs(path).catch(() => null);
  if (!stats) return null;
  const total = stats.blocks * stats.bsize;
  const free = stats.bavail * stats.bsize;
  return {
    path,
    free_bytes: free,
    total_bytes: total,
    free_percent: total > 0 ? Math.round((free / total) * 1000) / 10 : 0,
    min_free_bytes: Math.floor(Math.min(minFreeBytes, total * MIN_FREE_SHARE)),
  };
}

export function diskIsLow(disk: DiskSpace | null): boolean {
  return disk === null || disk.free_bytes < disk.min_free_bytes;
}
