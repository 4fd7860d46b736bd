import { describe, expect, it } from 'vitest';
import { lttbIndices, strideIndices } from '../../dist/src/domain/downsample.js';

describe('downsampling', () => {
  it('LTTB keeps the ends and the peaks', () => {
    const xs = Array.from({ length: 1000 }, (_, i) => i);
    const ys = xs.map((x) => (x === 500 ? 100 : Math.sin(x / 50)));
    const kept = lttbIndices(xs, ys, 20);
    expect(kept).toHaveLength(20);
    expect(kept[0]).toBe(0);
    expect(kept[19]).toBe(999);
    expect(kept).toContain(500);
    expect([...kept].sort((a, b) => a - b)).toEqual(kept);
  });

  it('returns everything when there is less than asked', () => {
    expect(lttbIndices([1, 2, 3], [1, 2, 3], 10)).toEqual([0, 1, 2]);
    expect(strideIndices(3, 10)).toEqual([0, 1, 2]);
    expect(strideIndices(101, 5)).toEqual([0, 25, 50, 75, 100]);
  });
});
