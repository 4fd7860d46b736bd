/**
 * Picks `count` GPU indices that no running run holds, lowest first. Returns null when not enough
 * are free now; the caller decides whether that means "wait" or "never" (see `fitsInventory`).
 */
export function allocateGpus(inventory: readonly number[], held: ReadonlySet<number>, count: number): number[] | null {
  if (count === 0) return [];
  const free = inventory.filter((index) => !held.has(index)).sort((a, b) => a - b);
  return free.length >= count ? free.slice(0, count) : null;
}

export function fitsInventory(inventory: readonly number[], count: number): boolean {
  return count <= inventory.length;
}
