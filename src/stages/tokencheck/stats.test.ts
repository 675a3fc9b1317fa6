import { describe, expect, it } from 'vitest';
import { Xoshiro128 } from '../../shared/prng.ts';
import { summarizeCounts } from './stats.ts';

/** The definition, by sorting: nearest-rank p95, median of the middle two for even counts. */
function bySorting(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  const total = s.reduce((a, b) => a + b, 0);
  return {
    count: n, total, min: s[0], max: s[n - 1], mean: Math.round((total / n) * 100) / 100,
    median: n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1]! + s[n / 2]!) / 2, p95: s[Math.min(n - 1, Math.ceil(0.95 * n) - 1)],
  };
}

describe('summarizeCounts', () => {
  it('matches the sorted definition for small, skewed, huge and single values', () => {
    const rng = new Xoshiro128(7);
    const skewed = Array.from({ length: 10_001 }, () => Math.floor(rng.nextFloat() ** 4 * 3000));
    for (const values of [[5, 1, 3], [1, 2, 3, 4], [0], [7, 7], skewed, skewed.slice(1), [...skewed, 5_000_000], [2 ** 31, 1, 2]]) {
      expect(summarizeCounts(Int32Array.from(values.map((v) => Math.min(v, 2 ** 31 - 1))))).toEqual(bySorting(values.map((v) => Math.min(v, 2 ** 31 - 1))));
      expect(summarizeCounts(values)).toEqual(bySorting(values));
    }
    expect(summarizeCounts([])).toEqual({ count: 0, total: 0, min: 0, median: 0, p95: 0, max: 0, mean: 0 });
  });
});
