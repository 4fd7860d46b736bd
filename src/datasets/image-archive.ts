import { gunzipSync } from 'node:zlib';
import { tarNumber } from './tar-format.js';
import { ContentLimitError, NO_CONTENT_LIMITS, inflatedLimitError, isOutputTooLarge, type ContentLimits } from './content-limits.js';
import { decodePng, type DecodedImage } from './png.js';

export interface ArchiveEntry {
  path: string;
  data: Buffer;
}

export interface ImageArchiveSummary {
  classNames: string[];
  imageCount: number;
  /** Height, width, channels of the first image: every image is resized to it. */
  imageShape: [number, number, number];
}

/** Header types that describe the next entry rather than being one. */
const EXTENSION_TYPES = new Set(['x', 'g', 'L', 'K']);

/**
 * The regular files of a tar or tar.gz archive: ustar (with its name prefix), GNU (long names in `L`
 * entries, base-256 sizes) and POSIX pax (`path` and `size` in `x` headers; what GNU tar and bsdtar
 * write for long or non-ASCII names). Global pax headers (`g`) and link entries are skipped.
 */
export function readTar(archive: Buffer, limits: ContentLimits = NO_CONTENT_LIMITS): ArchiveEntry[] {
  const data = archive[0] === 0x1f && archive[1] === 0x8b ? gunzipWithin(archive, limits) : archive;
  const entries: ArchiveEntry[] = [];
  let headers = 0;
  let longName: string | null = null;
  let pax: Record<string, string> = {};
  for (let offset = 0; offset + 512 <= data.length; ) {
    const header = data.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    if (++headers > limits.maxEntries)
      throw new ContentLimitError(
        'max_archive_entries',
        `the archive holds more than ${limits.maxEntries} entries (limit max_archive_entries, TRAINER_MAX_ARCHIVE_ENTRIES)`,
      );
    const text = (start: number, length: number) => header.toString('utf8', start, start + length).replace(/\0.*$/s, '');
    const type = text(156, 1);
    // a pax size is the next file's, not that of another extension header
    const size = pax.size !== undefined && !EXTENSION_TYPES.has(type) ? Number(pax.size) : tarNumber(header.subarray(124, 136));
    if (!Number.isSafeInteger(size) || size < 0) throw new Error(`a tar header at byte ${offset} has an invalid size`);
    const body = data.subarray(offset + 512, offset + 512 + size);
    // POSIX ustar splits long names into prefix (345) + name; GNU's header has other fields there
    const posix = header.toString('latin1', 257, 263) === 'ustar\0';
    const name = pax.path ?? longName ?? [posix ? text(345, 155) : '', text(0, 100)].filter(Boolean).join('/');
    if (type === 'L') longName = body.toString('utf8').replace(/\0.*$/s, '');
    else if (type === 'x') pax = parsePaxRecords(body);
    else {
      if (type === '0' || type === '' || type === '7') entries.push({ path: name, data: body });
      longName = null;
      pax = {};
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

function gunzipWithin(archive: Buffer, limits: ContentLimits): Buffer {
  if (limits.maxInflatedBytes === Infinity) return gunzipSync(archive);
  try {
    // zlib stops as soon as the output passes the limit: a bomb costs at most the limit
    return gunzipSync(archive, { maxOutputLength: limits.maxInflatedBytes });
  } catch (error) {
    if (isOutputTooLarge(error)) throw inflatedLimitError('the archive', limits);
    throw error;
  }
}

/** pax extended header records: `<length> <key>=<value>\n`, the length counting the whole record. */
function parsePaxRecords(body: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  for (let offset = 0; offset < body.length; ) {
    const space = body.indexOf(0x20, offset);
    const length = space === -1 ? NaN : Number(body.toString('latin1', offset, space));
    if (!Number.isInteger(length) || length <= space - offset) break;
    const record = body.toString('utf8', space + 1, offset + length - 1);
    const equals = record.indexOf('=');
    if (equals > 0) records[record.slice(0, equals)] = record.slice(equals + 1);
    offset += length;
  }
  return records;
}

/**
 * An archive of class folders (`cat/1.png`, `dog/2.png`, or the same under one top folder): the class is
 * the image's parent folder. Hidden files (`._x`, `.DS_Store`) and non-images are ignored.
 */
export function imageEntries(entries: readonly ArchiveEntry[]): { entry: ArchiveEntry; className: string }[] {
  const images = entries.filter((entry) => /\.(png|jpe?g)$/i.test(entry.path) && !entry.path.split('/').some((part) => part.startsWith('.')));
  const jpeg = images.find((entry) => /\.jpe?g$/i.test(entry.path));
  if (jpeg) throw new Error(`${jpeg.path} is a JPEG: the TF.js trainer decodes PNG images only (JPEG needs a native codec)`);
  const withClass = images.map((entry) => ({ entry, className: entry.path.split('/').slice(-2, -1)[0] ?? '' }));
  const loose = withClass.find((image) => image.className === '');
  if (loose) throw new Error(`${loose.entry.path} is not in a class folder: put each class's images in a folder named after it`);
  if (withClass.length === 0) throw new Error('the archive holds no PNG images');
  return withClass;
}

export function summarizeImageArchive(archive: Buffer, limits: ContentLimits = NO_CONTENT_LIMITS): ImageArchiveSummary {
  const images = imageEntries(readTar(archive, limits));
  const first = decodePng(images[0]!.entry.data, limits);
  return {
    classNames: [...new Set(images.map((image) => image.className))].sort(),
    imageCount: images.length,
    imageShape: [first.height, first.width, first.channels],
  };
}

/** Every image decoded and resized (nearest neighbour) to the first one's size and channels, flattened. */
export function loadImageArchive(
  archive: Buffer,
  limit = Infinity,
): { x: number[][]; y: number[]; classNames: string[]; imageShape: [number, number, number] } {
  const images = imageEntries(readTar(archive)).slice(0, limit);
  const classNames = [...new Set(images.map((image) => image.className))].sort();
  let shape: [number, number, number] | null = null;
  const x: number[][] = [];
  const y: number[] = [];
  for (const image of images) {
    let decoded: DecodedImage;
    try {
      decoded = decodePng(image.entry.data);
    } catch (error) {
      throw new Error(`${image.entry.path}: ${(error as Error).message}`);
    }
    shape ??= [decoded.height, decoded.width, decoded.channels];
    x.push(resize(decoded, shape));
    y.push(classNames.indexOf(image.className));
  }
  return { x, y, classNames, imageShape: shape! };
}

function resize(image: DecodedImage, [height, width, channels]: [number, number, number]): number[] {
  const out = new Array<number>(height * width * channels);
  for (let row = 0; row < height; row++) {
    const sourceRow = Math.min(image.height - 1, Math.floor((row * image.height) / height));
    for (let column = 0; column < width; column++) {
      const sourceColumn = Math.min(image.width - 1, Math.floor((column * image.width) / width));
      const source = (sourceRow * image.width + sourceColumn) * image.channels;
      for (let c = 0; c < channels; c++) {
        // grey to RGB repeats the grey; RGB to grey averages
        out[(row * width + column) * channels + c] =
          image.channels === channels
            ? image.pixels[source + c]!
            : channels === 3
              ? image.pixels[source]!
              : (image.pixels[source]! + image.pixels[source + 1]! + image.pixels[source + 2]!) / 3;
      }
    }
  }
  return out;
}
