import { readdirSync, readFileSync } from 'node:fs';
import type { TestAgent } from '../helpers/agent-harness.js';

/** Starts a run of the tfjs recipe with any of its parameters (seed 001's create-and-start). */
export async function startTfjs(t: TestAgent, params: Record<string, unknown>) {
  return t.api('POST', '/api/v1/training/sessions', { recipe: 'tfjs', params, start: true });
}

/** The per-epoch metric records of a run, oldest first. */
export async function epochRecords(t: TestAgent, id: string): Promise<Record<string, number>[]> {
  const history = (await t.api('GET', `/api/v1/training/${id}/history`)).body as Record<string, number>[];
  return history.filter((record) => typeof record.val_loss === 'number' || typeof record.loss === 'number').filter((record) => record.epoch !== null);
}

export async function logText(t: TestAgent, id: string): Promise<string> {
  const page = (await t.api('GET', `/api/v1/training/${id}/logs?limit=1000`)).body;
  if (!Array.isArray(page)) throw new Error(`logs of ${id}: ${JSON.stringify(page)}`);
  const records = page as { message: string }[];
  return records.map((record) => record.message).join('\n');
}

/** Live processes whose command line holds every one of `parts` (read from /proc, Linux only). */
export function processesWith(...parts: string[]): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0];
      if (state !== 'Z' && parts.every((part) => cmdline.includes(part))) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** The files of a ustar archive (what the registry serves for a bundle). */
export function untar(archive: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let offset = 0;
  while (offset + 512 <= archive.length) {
    const header = archive.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const field = (start: number, length: number) =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const name = [field(345, 155), field(0, 100)].filter(Boolean).join('/');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    if (type === '0' || type === '') files.set(name, archive.subarray(offset + 512, offset + 512 + size));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}
