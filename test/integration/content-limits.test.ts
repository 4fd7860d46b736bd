import { once } from 'node:events';
import { createGzip, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, startTestAgent, type TestAgent } from '../helpers/agent-harness.js';
import { machineIsQuiet, watchHealth } from '../helpers/health-watch.js';
import { padding, TAR_END, tarHeaderBlocks } from '../../dist/src/datasets/tar-format.js';
import { encodePng } from '../tfjs/png-encoder.js';

/** An entry of this many zero bytes in one tar.gz: about 1.2 MB compressed. */
const BOMB_ENTRY_BYTES = 1.2 * 1024 * 1024 * 1024;

/** A real compressed bomb, deflated as a stream (never held inflated): one "image" of 1.2 GiB of zeros. */
async function compressedBomb(): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => parts.push(chunk));
  const ended = once(gzip, 'end');
  const write = async (chunk: Buffer) => {
    if (!gzip.write(chunk)) await once(gzip, 'drain');
  };
  await write(tarHeaderBlocks({ path: 'bomb/cat/1.png', size: BOMB_ENTRY_BYTES, mtimeMs: 0 }));
  const zeros = Buffer.alloc(4 * 1024 * 1024);
  for (let left = BOMB_ENTRY_BYTES; left > 0; left -= zeros.length) await write(zeros.subarray(0, Math.min(zeros.length, left)));
  await write(Buffer.alloc(padding(BOMB_ENTRY_BYTES)));
  gzip.end(TAR_END);
  await ended;
  return Buffer.concat(parts);
}

function tarOf(files: { path: string; content: Buffer }[]): Buffer {
  return Buffer.concat([
    ...files.flatMap(({ path, content }) => [tarHeaderBlocks({ path, size: content.length, mtimeMs: 0 }), content, Buffer.alloc(padding(content.length))]),
    TAR_END,
  ]);
}

/** A PNG that declares width × height but holds a few bytes of image data. */
function pngDeclaring(width: number, height: number): Buffer {
  const small = encodePng(2, 2, 1, new Uint8Array(4));
  const patched = Buffer.from(small);
  patched.writeUInt32BE(width, 16);
  patched.writeUInt32BE(height, 20);
  return patched;
}

/** Issue 14 finding 7: uploaded content is parsed off the agent's loop, within limits that refusals name. */
describe('compressed bombs and oversized images', () => {
  let t: TestAgent;
  let bomb: Buffer;
  beforeAll(async () => {
    bomb = await compressedBomb();
    t = await startTestAgent({ env: { TRAINER_MAX_ARCHIVE_ENTRIES: '5', TRAINER_MAX_INFLATED_MB: '64' } });
  }, 300_000);
  afterAll(async () => {
    await t?.close();
  });

  async function upload(name: string, filename: string, content: Buffer) {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(content)]), filename);
    const response = await fetch(`${t.url}/api/v1/datasets?dataset_name=${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}` },
      body: form,
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }

  const start = (dataset: string) =>
    t.api('POST', '/api/v1/training/sessions', { recipe: 'tfjs', params: { model_architecture: 'cnn', dataset_name: dataset }, start: true });

  it('a 1.2 MB tar.gz that inflates to 1.2 GiB is stored uninspected, refused at submission with 413 naming max_inflated_mb, and /health is never held up by it (≤ 200 ms)', async () => {
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024); // small enough that the submission check reads it
    const health = watchHealth(t.url);
    const uploaded = await upload('bomb', 'bomb.tar.gz', bomb);
    expect(uploaded.status).toBe(200);
    expect(uploaded.body.note).toMatch(/Not inspected: it inflates to more than 64 MiB \(limit max_inflated_mb/);
    const refused = await start('bomb');
    const { samples, longestLoopStretchMs, maxWallMs } = await health.stop();
    expect(refused.status).toBe(413);
    expect(refused.body.detail).toMatch(/dataset 'bomb': the archive inflates to more than 64 MiB \(limit max_inflated_mb, TRAINER_MAX_INFLATED_MB\)/);
    expect(samples.length).toBeGreaterThan(5);
    // the loop never worked 200 ms without coming round (before the fix: seconds); /health's wall time is held
    // to the same bar where the machine is not overloaded (at load 20 on 2 cores, waiting for a CPU dominates)
    expect(longestLoopStretchMs).toBeLessThanOrEqual(200);
    if (machineIsQuiet()) expect(maxWallMs).toBeLessThanOrEqual(200);
    expect((await t.api('GET', '/api/v1/training/sessions?limit=100')).body).toEqual([]);
  }, 300_000);

  it('an image wider than max_image_side and an archive with more entries than max_archive_entries are refused with 413 naming the limit', async () => {
    const wide = tarOf([
      { path: 'a/1.png', content: pngDeclaring(60_000, 60_000) },
      { path: 'b/2.png', content: encodePng(2, 2, 1, new Uint8Array(4)) },
    ]);
    expect((await upload('wide', 'wide.tar.gz', gzipSync(wide))).status).toBe(200);
    const tooWide = await start('wide');
    expect(tooWide.status).toBe(413);
    expect(tooWide.body.detail).toMatch(
      /dataset 'wide': a 60000 × 60000 image is larger than 4096 pixels a side \(limit max_image_side, TRAINER_MAX_IMAGE_SIDE\)/,
    );

    const many = tarOf(Array.from({ length: 6 }, (_, i) => ({ path: `${i % 2 ? 'a' : 'b'}/${i}.png`, content: encodePng(2, 2, 1, new Uint8Array(4)) })));
    expect((await upload('many', 'many.tar', many)).status).toBe(200);
    const tooMany = await start('many');
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.detail).toMatch(/dataset 'many': the archive holds more than 5 entries \(limit max_archive_entries, TRAINER_MAX_ARCHIVE_ENTRIES\)/);

    // within the limits the same check accepts the archive
    const fine = tarOf(Array.from({ length: 4 }, (_, i) => ({ path: `${i % 2 ? 'a' : 'b'}/${i}.png`, content: encodePng(2, 2, 1, new Uint8Array(4)) })));
    expect((await upload('fine', 'fine.tar', fine)).status).toBe(200);
    expect((await start('fine')).status).toBe(201);
  }, 120_000);
});
