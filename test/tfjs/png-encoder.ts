import { crc32, deflateSync } from 'node:zlib';

/**
 * A small PNG encoder for the tests: 8-bit grey (type 0), RGB (2) or RGBA (6), each row filtered with
 * the next of PNG's five filters in turn, so that decoding exercises all of them.
 */
export function encodePng(width: number, height: number, channels: 1 | 3 | 4, pixels: Uint8Array): Buffer {
  const colourType = { 1: 0, 3: 2, 4: 6 }[channels];
  const stride = width * channels;
  const filtered = Buffer.alloc((stride + 1) * height);
  for (let row = 0; row < height; row++) {
    const filter = row % 5;
    filtered[row * (stride + 1)] = filter;
    for (let i = 0; i < stride; i++) {
      const value = pixels[row * stride + i]!;
      const left = i >= channels ? pixels[row * stride + i - channels]! : 0;
      const up = row > 0 ? pixels[(row - 1) * stride + i]! : 0;
      const upLeft = row > 0 && i >= channels ? pixels[(row - 1) * stride + i - channels]! : 0;
      const estimate = left + up - upLeft;
      const paeth =
        Math.abs(estimate - left) <= Math.abs(estimate - up) && Math.abs(estimate - left) <= Math.abs(estimate - upLeft)
          ? left
          : Math.abs(estimate - up) <= Math.abs(estimate - upLeft)
            ? up
            : upLeft;
      const predictor = [0, left, up, (left + up) >> 1, paeth][filter]!;
      filtered[row * (stride + 1) + 1 + i] = (value - predictor) & 0xff;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = colourType!;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(filtered)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, body: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** 12×12 grey images of horizontal or vertical bars at a random offset: two classes a cnn separates. */
export function barImage(vertical: boolean, seed: number): Uint8Array {
  const size = 12;
  const pixels = new Uint8Array(size * size);
  const phase = seed % 3;
  for (let row = 0; row < size; row++) {
    for (let column = 0; column < size; column++) {
      const along = vertical ? column : row;
      pixels[row * size + column] = (along + phase) % 3 === 0 ? 230 : 20 + ((row * 7 + column * 13 + seed * 31) % 40);
    }
  }
  return pixels;
}
