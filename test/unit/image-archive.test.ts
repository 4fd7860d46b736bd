import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTar } from '../../dist/src/datasets/image-archive.js';
import { decodePng } from '../../dist/src/datasets/png.js';
import { removeDir } from '../helpers/agent-harness.js';

const IMAGES = fileURLToPath(new URL('../fixtures/images', import.meta.url));

/** The pixels the fixtures were made from (test/fixtures/images/README.md), scaled to [0, 1]. */
function expected(width: number, height: number, channels: number, pixel: (x: number, y: number) => number[], max: number): number[] {
  const out: number[] = [];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      out.push(
        ...pixel(x, y)
          .slice(0, channels)
          .map((value) => value / max),
      );
  return out;
}

describe('interlaced PNGs (Adam7), as a real encoder writes them', () => {
  const decode = async (name: string) => decodePng(await readFile(join(IMAGES, name)));
  const close = (actual: Float32Array, wanted: number[]) => {
    expect(actual.length).toBe(wanted.length);
    const worst = wanted.reduce((max, value, index) => Math.max(max, Math.abs(value - actual[index]!)), 0);
    expect(worst).toBeLessThan(1e-6);
  };

  it('8-bit RGB, every pass non-empty', async () => {
    const image = await decode('rgb-interlaced.png');
    expect([image.width, image.height, image.channels]).toEqual([13, 11, 3]);
    close(
      image.pixels,
      expected(13, 11, 3, (x, y) => [(x * 19 + y * 7) % 256, (x * x + y * 31) % 256, (x * y * 5 + 3) % 256], 255),
    );
  });

  it('an image smaller than the 8×8 grid, where some passes hold no pixels', async () => {
    const image = await decode('rgb-3x2-interlaced.png');
    expect([image.width, image.height]).toEqual([3, 2]);
    close(
      image.pixels,
      expected(3, 2, 3, (x, y) => [(x * 80 + y * 40) % 256, (x * 30 + y * 100) % 256, (x * x * 50 + y) % 256], 255),
    );
  });

  it('16-bit grey', async () => {
    const image = await decode('grey16-interlaced.png');
    expect(image.channels).toBe(1);
    close(
      image.pixels,
      expected(13, 11, 1, (x, y) => [(x * 4099 + y * 9001) % 65536], 65535),
    );
  });

  it('2-bit palette: sub-byte pixels packed per pass row', async () => {
    const image = await decode('palette-interlaced.png');
    const colours = [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
      [255, 255, 255],
    ];
    close(
      image.pixels,
      expected(13, 11, 3, (x, y) => colours[(x + 2 * y) % 4]!, 255),
    );
  });
});

describe('tar archives as GNU tar writes them', () => {
  let dir: string;
  const longClass = 'a-class-whose-folder-name-is-long-enough-that-together-with-the-file-name';
  const longFile = 'an-image-file-name-that-takes-the-path-well-past-one-hundred-bytes-0001.png';
  // 130 bytes, but no part over 100: ustar splits it into its prefix and name fields
  const splittable = `dataset/${'class-'.repeat(10)}x/${'image-'.repeat(8)}.png`;
  const files: Record<string, string> = {
    [`dataset/${longClass}/${longFile}`]: 'first image bytes',
    [splittable]: 'third image bytes',
    'dataset/café/ünïcode-ñame.png': 'second image bytes',
    'dataset/short/1.png': 'x'.repeat(1500),
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trainer-tar-'));
    for (const [path, content] of Object.entries(files)) {
      await mkdir(join(dir, 'src', path, '..'), { recursive: true });
      await writeFile(join(dir, 'src', path), content);
    }
  });
  afterAll(async () => {
    await removeDir(dir);
  });

  const regularFiles = (format: string, gzip = false) => {
    const archive = execFileSync('tar', [`--format=${format}`, gzip ? '-czf' : '-cf', '-', '-C', join(dir, 'src'), 'dataset'], { maxBuffer: 16 * 1024 * 1024 });
    return Object.fromEntries(readTar(archive).map((entry) => [entry.path, entry.data.toString()]));
  };

  it('pax (GNU tar --format=pax, also the default of bsdtar): long and non-ASCII names from the x headers', () => {
    expect(regularFiles('pax')).toEqual(files);
    expect(regularFiles('pax', true)).toEqual(files);
  });

  it('gnu (././@LongLink entries) and ustar (name prefix) keep their long names too', () => {
    expect(regularFiles('gnu')).toEqual(files);
    const ustarFiles = { ...files };
    delete ustarFiles[`dataset/${longClass}/${longFile}`]; // ustar cannot hold a 150-byte last component
    execFileSync('rm', ['-r', join(dir, 'src', 'dataset', longClass)]);
    expect(regularFiles('ustar')).toEqual(ustarFiles);
    expect(regularFiles('oldgnu')).toEqual(ustarFiles);
  });
});
