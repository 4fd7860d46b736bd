import { inflateSync } from 'node:zlib';
import { ContentLimitError, NO_CONTENT_LIMITS, inflatedLimitError, isOutputTooLarge, type ContentLimits } from './content-limits.js';

export interface DecodedImage {
  width: number;
  height: number;
  /** 1 (grey) or 3 (RGB); alpha is dropped, palettes expanded. */
  channels: 1 | 3;
  /** Row-major, channels interleaved, each in [0, 1]. */
  pixels: Float32Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Samples per pixel by PNG colour type: grey, RGB, palette, grey+alpha, RGBA. */
const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Adam7's seven passes: first column, first row, column step, row step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;
const NOT_INTERLACED = [[0, 0, 1, 1]] as const;

/**
 * A PNG decoder for what image datasets hold: 8- and 16-bit grey, grey+alpha, RGB, RGBA and 1–8-bit
 * palette images, plain or Adam7-interlaced. Pure JavaScript over node:zlib, so the pure-JS TF.js engines can
 * train on image archives (JPEG needs a real codec and is refused by the caller).
 */
export function decodePng(data: Buffer, limits: ContentLimits = NO_CONTENT_LIMITS): DecodedImage {
  if (data.length < 8 || !data.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG file');
  let offset = 8;
  let width = 0;
  let height = 0;
  let bitDepth = 0;
  let colourType = 0;
  let interlaced = false;
  let palette: Buffer | null = null;
  const compressed: Buffer[] = [];
  while (offset + 8 <= data.length) {
    const length = data.readUInt32BE(offset);
    const type = data.toString('latin1', offset + 4, offset + 8);
    const body = data.subarray(offset + 8, offset + 8 + length);
    offset += 12 + length;
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      bitDepth = body[8]!;
      colourType = body[9]!;
      if (body[12] !== 0 && body[12] !== 1) throw new Error(`unknown PNG interlace method ${body[12]}`);
      interlaced = body[12] === 1;
    } else if (type === 'PLTE') palette = body;
    else if (type === 'IDAT') compressed.push(body);
    else if (type === 'IEND') break;
  }
  const samples = SAMPLES[colourType];
  if (!samples || width === 0 || height === 0) throw new Error(`unsupported PNG (colour type ${colourType})`);
  if (colourType === 3 && !palette) throw new Error('palette PNG without a palette');
  if (width > limits.maxImageSide || height > limits.maxImageSide) {
    throw new ContentLimitError(
      'max_image_side',
      `a ${width} × ${height} image is larger than ${limits.maxImageSide} pixels a side (limit max_image_side, TRAINER_MAX_IMAGE_SIDE)`,
    );
  }
  const bitsPerPixel = samples * bitDepth;
  const inflated = inflateWithin(Buffer.concat(compressed), limits);
  const channels: 1 | 3 = colourType === 2 || colourType === 6 || colourType === 3 ? 3 : 1;
  const pixels = new Float32Array(width * height * channels);
  const maxValue = (1 << bitDepth) - 1;
  // each pass is a small image of its own (filtered row by row) whose pixels land on a grid of the whole
  let consumed = 0;
  for (const [firstColumn, firstRow, columnStep, rowStep] of interlaced ? ADAM7 : NOT_INTERLACED) {
    const passWidth = Math.ceil((width - firstColumn) / columnStep);
    const passHeight = Math.ceil((height - firstRow) / rowStep);
    if (passWidth <= 0 || passHeight <= 0) continue;
    const stride = Math.ceil((passWidth * bitsPerPixel) / 8);
    const size = passHeight * (stride + 1);
    if (consumed + size > inflated.length) throw new Error('truncated PNG image data');
    const raw = unfilter(inflated.subarray(consumed, consumed + size), stride, passHeight, Math.max(1, bitsPerPixel >> 3));
    consumed += size;
    const sample = (row: number, index: number): number => {
      if (bitDepth === 16) return raw.readUInt16BE(row * stride + index * 2);
      if (bitDepth === 8) return raw[row * stride + index]!;
      const bit = index * bitDepth;
      return (raw[row * stride + (bit >> 3)]! >> (8 - bitDepth - (bit & 7))) & maxValue;
    };
    for (let row = 0; row < passHeight; row++) {
      for (let column = 0; column < passWidth; column++) {
        const target = ((firstRow + row * rowStep) * width + firstColumn + column * columnStep) * channels;
        if (colourType === 3) {
          const entry = sample(row, column) * 3;
          for (let c = 0; c < 3; c++) pixels[target + c] = palette![entry + c]! / 255;
        } else {
          for (let c = 0; c < channels; c++) pixels[target + c] = sample(row, column * samples + c) / maxValue;
        }
      }
    }
  }
  return { width, height, channels, pixels };
}

function inflateWithin(compressed: Buffer, limits: ContentLimits): Buffer {
  if (limits.maxInflatedBytes === Infinity) return inflateSync(compressed);
  try {
    return inflateSync(compressed, { maxOutputLength: limits.maxInflatedBytes });
  } catch (error) {
    if (isOutputTooLarge(error)) throw inflatedLimitError("a PNG's image data", limits);
    throw error;
  }
}

/** Undoes PNG's per-row filters (none, sub, up, average, Paeth). */
function unfilter(data: Buffer, stride: number, height: number, bytesPerPixel: number): Buffer {
  const out = Buffer.alloc(stride * height);
  for (let row = 0; row < height; row++) {
    const filter = data[row * (stride + 1)]!;
    const source = row * (stride + 1) + 1;
    const target = row * stride;
    for (let i = 0; i < stride; i++) {
      const value = data[source + i]!;
      const left = i >= bytesPerPixel ? out[target + i - bytesPerPixel]! : 0;
      const up = row > 0 ? out[target - stride + i]! : 0;
      const upLeft = row > 0 && i >= bytesPerPixel ? out[target - stride + i - bytesPerPixel]! : 0;
      let predictor = 0;
      if (filter === 1) predictor = left;
      else if (filter === 2) predictor = up;
      else if (filter === 3) predictor = (left + up) >> 1;
      else if (filter === 4) {
        const estimate = left + up - upLeft;
        const [dl, du, dul] = [Math.abs(estimate - left), Math.abs(estimate - up), Math.abs(estimate - upLeft)];
        predictor = dl <= du && dl <= dul ? left : du <= dul ? up : upLeft;
      } else if (filter !== 0) throw new Error(`bad PNG filter ${filter}`);
      out[target + i] = (value + predictor) & 0xff;
    }
  }
  return out;
}
