/**
 * Largest-Triangle-Three-Buckets: keeps `threshold` of the points (first and last included) so that
 * a line chart looks the same as with all of them. Points are [x, y]; returns the kept indices.
 */
export function lttbIndices(xs: ArrayLike<number>, ys: ArrayLike<number>, threshold: number): number[] {
  const length = xs.length;
  if (threshold >= length) return Array.from({ length }, (_, i) => i);
  if (threshold < 3) return strideIndices(length, threshold);
  const kept = [0];
  const bucketSize = (length - 2) / (threshold - 2);
  let previous = 0;
  for (let bucket = 0; bucket < threshold - 2; bucket++) {
    const nextStart = Math.floor((bucket + 1) * bucketSize) + 1;
    const nextEnd = Math.min(Math.floor((bucket + 2) * bucketSize) + 1, length);
    let averageX = 0;
    let averageY = 0;
    for (let i = nextStart; i < nextEnd; i++) {
      averageX += xs[i]!;
      averageY += ys[i]!;
    }
    const span = Math.max(1, nextEnd - nextStart);
    averageX /= span;
    averageY /= span;
    const start = Math.floor(bucket * bucketSize) + 1;
    const end = Math.floor((bucket + 1) * bucketSize) + 1;
    let best = start;
    let bestArea = -1;
    for (let i = start; i < end; i++) {
      const area = Math.abs((xs[previous]! - averageX) * (ys[i]! - ys[previous]!) - (xs[previous]! - xs[i]!) * (averageY - ys[previous]!));
      if (area > bestArea) {
        bestArea = area;
        best = i;
      }
    }
    kept.push(best);
    previous = best;
  }
  kept.push(length - 1);
  return kept;
}

/** Evenly spaced indices (first and last kept): for downsampling several series at once. */
export function strideIndices(length: number, threshold: number): number[] {
  if (threshold >= length) return Array.from({ length }, (_, i) => i);
  if (threshold <= 1) return length > 0 ? [length - 1] : [];
  const step = (length - 1) / (threshold - 1);
  return Array.from({ length: threshold }, (_, i) => Math.round(i * step));
}
