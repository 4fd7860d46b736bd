import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * For the quick start only: a key created once under the data dir (mode 0600) and reused by later
 * starts, so that the printed key keeps working. Production setups pass API_KEYS.
 */
export async function ensureGeneratedKey(dataDir: string): Promise<string> {
  const path = join(dataDir, 'generated-api-key');
  try {
    const existing = (await readFile(path, 'utf8')).trim();
    if (existing) return existing;
  } catch {
    // none yet
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const key = `trk_${randomBytes(24).toString('base64url')}`;
  await writeFile(path, key + '\n', { mode: 0o600 });
  return key;
}
