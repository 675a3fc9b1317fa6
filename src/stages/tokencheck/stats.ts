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

/** Counts above this are summarized by sorting instead of with a histogram. */
const HISTOGRAM_MAX = 1 << 20;

/** min, median, p95 (nearest rank), max, mean and total of the values (token counts: whole numbers >= 0). */
export function summarizeCounts(values: ArrayLike<number>): TokenStats {
  const n = values.length;
  if (n === 0) return { count: 0, total: 0, min: 0, median: 0, p95: 0, max: 0, mean: 0 };
  let total = 0;
  let min = Infinity;
  let max = -Infinity;
  let whole = true;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    total += v;
    if (v < min) min = v;
    if (v > max) max = v;
    if (!Number.isInteger(v)) whole = false;
  }
  // The k-th smallest value (0-based): a histogram of the counts, or a sort for values a histogram cannot hold.
  let nth: (k: number) => number;
  if (whole && min >= 0 && max <= HISTOGRAM_MAX) {
    const histogram = new Int32Array(max + 1);
    for (let i = 0; i < n; i++) histogram[values[i]!]! += 1;
    nth = (k) => {
      let seen = 0;
      for (let v = min; v <= max; v++) {
        seen += histogram[v]!;
        if (seen > k) return v;
      }
      return max;
    };
  } else {
    const sorted = Float64Array.from(values).sort();
    nth = (k) => sorted[k]!;
  }
  const median = n % 2 ? nth((n - 1) / 2) : (nth(n / 2 - 1) + nth(n / 2)) / 2;
  const p95 = nth(Math.min(n - 1, Math.ceil(0.95 * n) - 1));
  return { count: n, total, min, median, p95, max, mean: Math.round((total / n) * 100) / 100 };
}
