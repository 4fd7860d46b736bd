// Shared code of plugins belongs in the SDK: no block of six or more lines is repeated between two plugins.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const BLOCK = 6;

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|js|mjs)$/.test(path)) yield path;
  }
}

/** Lines of closing brackets alone carry no code: a run of them is not a repeated block. */
const CODE = /[^\s{}()[\];,]/;

/** Blocks of BLOCK consecutive lines of code (indentation ignored) found in more than one plugin folder. */
export function repeatedBlocks(pluginRoot: string): { block: string; plugins: string[] }[] {
  const owners = new Map<string, Set<string>>();
  for (const file of sourceFiles(pluginRoot)) {
    const plugin = relative(pluginRoot, file).split('/').slice(0, 2).join('/');
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => CODE.test(line));
    for (let start = 0; start + BLOCK <= lines.length; start++) {
      const block = lines.slice(start, start + BLOCK).join('\n');
      owners.set(block, (owners.get(block) ?? new Set()).add(plugin));
    }
  }
  return [...owners].filter(([, plugins]) => plugins.size > 1).map(([block, plugins]) => ({ block, plugins: [...plugins].sort() }));
}

describe('plugins share code through the SDK', () => {
  it('repeats no block of six lines between two plugins', () => {
    expect(repeatedBlocks(join(root, 'plugins'))).toEqual([]);
  });
});
