// Distribution statistics for token counts.

export interface TokenStats {
  count: number;
  total: number;
  min: number;
  median: number;
  p95: number;
  max: number;
  mean: number;
}

/** min, median, p95 (nearest rank), max, mean and total of the values. */
export function summarizeCounts(values: ArrayLike<number>): TokenStats {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) return { count: 0, total: 0, min: 0, median: 0, p95: 0, max: 0, mean: 0 };
  let total = 0;
  for (const v of sorted) total += v;
  const median = n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  const p95 = sorted[Math.min(n - 1, Math.ceil(0.95 * n) - 1)]!;
  return { count: n, total, min: sorted[0]!, median, p95, max: sorted[n - 1]!, mean: Math.round((total / n) * 100) / 100 };
}
