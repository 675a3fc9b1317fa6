// Largest-remainder allocation of a validation set across classes, so every class is in both sets.

/**
 * Splits `total` valid rows over classes of sizes `sizes` in proportion (Hamilton's largest remainder:
 * floors first, then one more to the largest fractional parts, ties to the lower index), then clamps each
 * class to [1, size - 1] and rebalances so the sum stays `total` whenever that is possible.
 */
export function allocateLargestRemainder(sizes: number[], total: number): number[] {
  const n = sizes.reduce((a, b) => a + b, 0);
  const exact = sizes.map((s) => (n === 0 ? 0 : (total * s) / n));
  const alloc = exact.map(Math.floor);
  let left = total - alloc.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, frac: e - Math.floor(e) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (let k = 0; left > 0 && k < order.length; k++, left--) alloc[order[k]!.i]! += 1;
  for (let i = 0; i < alloc.length; i++) alloc[i] = Math.min(Math.max(alloc[i]!, 1), Math.max(sizes[i]! - 1, 1));
  let sum = alloc.reduce((a, b) => a + b, 0);
  while (sum > total) {
    const i = pick(alloc, (j) => alloc[j]! > 1, (j) => alloc[j]! - exact[j]!);
    if (i < 0) break;
    alloc[i]! -= 1;
    sum -= 1;
  }
  while (sum < total) {
    const i = pick(alloc, (j) => alloc[j]! < sizes[j]! - 1, (j) => exact[j]! - alloc[j]!);
    if (i < 0) break;
    alloc[i]! += 1;
    sum += 1;
  }
  return alloc;
}

/** Index with the largest score among those allowed (lowest index on ties), or -1. */
function pick(alloc: number[], allowed: (i: number) => boolean, score: (i: number) => number): number {
  let best = -1;
  for (let i = 0; i < alloc.length; i++) if (allowed(i) && (best < 0 || score(i) > score(best))) best = i;
  return best;
}
