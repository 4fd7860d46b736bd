import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Flags } from '@oclif/core';

/** The flags every download command takes. */
export const downloadFlags = {
  output: Flags.string({
    char: 'o',
    description: 'Where to save it: a file, or a directory to save it in under its own name (default: the current directory)',
  }),
  force: Flags.boolean({ char: 'f', description: 'Replace a file that is already there', default: false }),
};

/**
 * Picks where a download goes from -o and the agent's suggested name; refuses to replace an existing
 * file without --force. The error is thrown before a byte is written.
 */
export function destinationChooser(output: string | undefined, force: boolean, fallbackName: string): (suggested: string | null) => Promise<string> {
  return async (suggested) => {
    const name = basename(suggested ?? fallbackName);
    const target = resolve(output ?? '.');
    const info = await stat(target).catch(() => null);
    const path = info?.isDirectory() ? join(target, name) : target;
    const existing = path === target ? info : await stat(path).catch(() => null);
    if (existing?.isDirectory()) throw new DownloadRefused(`${path} is a directory`);
    if (existing && !force) throw new DownloadRefused(`${path} already exists: use --force to replace it, or -o to save elsewhere`);
    return path;
  };
}

export class DownloadRefused extends Error {}
