import { describe, expect, it } from 'vitest';
import { Xoshiro128 } from './prng.ts';

describe('Xoshiro128', () => {
  it('is reproducible per seed and differs across seeds', () => {
    const a = new Xoshiro128(42);
    const b = new Xoshiro128(42);
    const c = new Xoshiro128(43);
    const seq = (r: Xoshiro128) => Array.from({ length: 5 }, () => r.nextUint32());
    const first = seq(a);
    expect(seq(b)).toEqual(first);
    expect(seq(c)).not.toEqual(first);
  });

  it('nextFloat is the next uint32 scaled into [0, 1)', () => {
    const a = new Xoshiro128(7);
    const b = new Xoshiro128(7);
    const floats = Array.from({ length: 1000 }, () => a.nextFloat());
    expect(floats[0]).toBe(b.nextUint32() / 2 ** 32);
    expect(floats.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = floats.reduce((s, x) => s + x, 0) / floats.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});
