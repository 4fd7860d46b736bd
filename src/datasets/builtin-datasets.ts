/**
 * Datasets that need no download: generated deterministically from a seed, so that the demo recipe
 * trains for real on any machine, offline.
 */
import { seededRandom } from '../domain/seeded-random.js';
import { digits } from './digits.js';
import { iris } from './iris.js';

export { seededRandom };

export interface BuiltinDataset {
  name: string;
  description: string;
  features: number;
  classes: number;
  samples: number;
  /** Height, width, channels, for datasets whose samples are images (flattened row by row in `x`). */
  imageShape?: [number, number, number];
  generate(samples: number, seed: number): { x: number[][]; y: number[] };
}

function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

const spirals: BuiltinDataset = {
  name: 'spirals',
  description: 'Two interleaved spirals in the plane: not linearly separable.',
  features: 2,
  classes: 2,
  samples: 1000,
  generate(samples, seed) {
    const random = seededRandom(seed);
    const x: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < samples; i++) {
      const label = i % 2;
      const t = (random() * 3 * Math.PI) / 1.0 + 0.5;
      const sign = label === 0 ? 1 : -1;
      x.push([(sign * t * Math.cos(t)) / 3 + gaussian(random) * 0.1, (sign * t * Math.sin(t)) / 3 + gaussian(random) * 0.1]);
      y.push(label);
    }
    return { x, y };
  },
};

const blobs: BuiltinDataset = {
  name: 'blobs',
  description: 'Four Gaussian clusters in 8 dimensions, one class each.',
  features: 8,
  classes: 4,
  samples: 2000,
  generate(samples, seed) {
    const random = seededRandom(seed);
    const centers = Array.from({ length: 4 }, () => Array.from({ length: 8 }, () => (random() - 0.5) * 6));
    const x: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < samples; i++) {
      const label = i % 4;
      x.push(centers[label]!.map((center) => center + gaussian(random) * 1.2));
      y.push(label);
    }
    return { x, y };
  },
};

const circles: BuiltinDataset = {
  name: 'circles',
  description: 'A disc inside a ring, with noise: two classes.',
  features: 2,
  classes: 2,
  samples: 1000,
  generate(samples, seed) {
    const random = seededRandom(seed);
    const x: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < samples; i++) {
      const label = i % 2;
      const radius = label === 0 ? 0.5 : 1.0;
      const angle = random() * 2 * Math.PI;
      x.push([radius * Math.cos(angle) + gaussian(random) * 0.08, radius * Math.sin(angle) + gaussian(random) * 0.08]);
      y.push(label);
    }
    return { x, y };
  },
};

export const BUILTIN_DATASETS: readonly BuiltinDataset[] = [spirals, blobs, circles, iris, digits];

export function findBuiltinDataset(name: string): BuiltinDataset | undefined {
  return BUILTIN_DATASETS.find((dataset) => dataset.name === name);
}
