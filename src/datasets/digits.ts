import type { BuiltinDataset } from './builtin-datasets.js';
import { seededRandom } from '../domain/seeded-random.js';

const SIZE = 16;

/** Seven-segment strokes, as [x0, y0, x1, y1] in a unit box (y grows downwards). */
const SEGMENTS: Record<string, [number, number, number, number]> = {
  a: [0, 0, 1, 0],
  b: [1, 0, 1, 0.5],
  c: [1, 0.5, 1, 1],
  d: [0, 1, 1, 1],
  e: [0, 0.5, 0, 1],
  f: [0, 0, 0, 0.5],
  g: [0, 0.5, 1, 0.5],
};
const DIGIT_SEGMENTS = ['abcdef', 'bc', 'abged', 'abgcd', 'fgbc', 'afgcd', 'afgedc', 'abc', 'abcdefg', 'abcdfg'];

/**
 * Digits 0–9 drawn procedurally as 16×16 grey images: seven-segment strokes with a random position,
 * size, slant, stroke width and pixel noise, so that a small CNN has something real to learn.
 */
export const digits: BuiltinDataset = {
  name: 'digits',
  description: 'Digits 0-9 drawn procedurally as 16x16 grey images (10 classes), for the cnn and resnet-mini.',
  features: SIZE * SIZE,
  classes: 10,
  samples: 1000,
  imageShape: [SIZE, SIZE, 1],
  generate(samples, seed) {
    const random = seededRandom(seed);
    const x: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < samples; i++) {
      const label = i % 10;
      x.push(drawDigit(label, random));
      y.push(label);
    }
    return { x, y };
  },
};

function drawDigit(digit: number, random: () => number): number[] {
  const width = 5 + random() * 4;
  const height = 9 + random() * 4;
  const left = 1 + random() * (SIZE - 2 - width);
  const top = 1 + random() * (SIZE - 2 - height);
  const slant = (random() - 0.5) * 0.4;
  const stroke = 0.7 + random() * 0.6;
  const place = (u: number, v: number): [number, number] => [left + u * width + slant * (0.5 - v) * height, top + v * height];
  const strokes = [...DIGIT_SEGMENTS[digit]!].map((name) => {
    const [u0, v0, u1, v1] = SEGMENTS[name]!;
    return [...place(u0, v0), ...place(u1, v1)] as [number, number, number, number];
  });
  const pixels: number[] = [];
  for (let row = 0; row < SIZE; row++) {
    for (let column = 0; column < SIZE; column++) {
      const distance = Math.min(...strokes.map((segment) => distanceToSegment(column + 0.5, row + 0.5, segment)));
      const ink = Math.max(0, Math.min(1, stroke + 0.5 - distance));
      pixels.push(Math.max(0, Math.min(1, ink + (random() - 0.5) * 0.2)));
    }
  }
  return pixels;
}

function distanceToSegment(px: number, py: number, [x0, y0, x1, y1]: [number, number, number, number]): number {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - x0) * dx + (py - y0) * dy) / length2));
  return Math.hypot(px - (x0 + t * dx), py - (y0 + t * dy));
}
