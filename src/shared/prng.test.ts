import { describe, expect, it } from 'vitest';
import { Xoshiro128, shuffleInPlace } from './prng.ts';
import { referenceInt, referenceSeedState, referenceSequence, referenceXoshiro128ss } from '../../test/helpers/xoshiro128-reference.ts';

const SEEDS = [0, 1, 7, 42, 43, 'seed', 'tunefile', 2 ** 40];

describe('the test reference xoshiro128**', () => {
  it('gives the outputs and states of the C reference for a published seed state', () => {
    // From edorfaus/xoshiro-6502 test-rom/testdata.asm (VerifyValuesXoshiro128, starstar column; VerifyStatesXoshiro128),
    // generated with https://prng.di.unimi.it/xoshiro128starstar.c.
    const rng = referenceXoshiro128ss([0x964d4a0c, 0xd40ab895, 0xad7fdecb, 0x3006f0f0]);
    const outputs: number[] = [];
    const states: number[][] = [];
    for (let i = 0; i < 4; i++) {
      outputs.push(rng.next());
      states.push(rng.state());
    }
    expect(outputs).toEqual([0xf1391922, 0x6fe53806, 0xa5be2840, 0xf510ee70]);
    expect(states).toEqual([
      [0x72410269, 0xef382c52, 0x2e43bec7, 0x62432f20],
      [0xff3a011b, 0xb33a90fc, 0x2c5a18ae, 0xd81b946b],
      [0x941b058c, 0x605a8949, 0xa641e1b5, 0x0824bb59],
      [0xfc65379c, 0x52006d70, 0x87487639, 0xf1908343],
    ]);
  });

  it('gives the hand-derived outputs for the state [1, 2, 3, 4]', () => {
    // s1 = 2: rotl(10, 7) * 9 = 11520; then s1 = 0; then s1 = 1029: rotl(5145, 7) * 9 = 5927040.
    const rng = referenceXoshiro128ss([1, 2, 3, 4]);
    expect([rng.next(), rng.next(), rng.next()]).toEqual([11520, 0, 5927040]);
  });
});

describe('Xoshiro128', () => {
  it('is xoshiro128** seeded from the first 16 bytes of sha256(`tunefile:<seed>`), as the independent reference computes it', () => {
    for (const seed of SEEDS) {
      const rng = new Xoshiro128(seed);
      expect(Array.from({ length: 1000 }, () => rng.nextUint32()), String(seed)).toEqual(referenceSequence(seed, 1000));
    }
  });

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
    const floats = Array.from({ length: 1000 }, () => a.nextFloat());
    expect(floats).toEqual(referenceSequence(7, 1000).map((x) => x / 2 ** 32));
    expect(floats.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = floats.reduce((s, x) => s + x, 0) / floats.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });

  it('nextInt rejects the biased top of the range, as the reference does', () => {
    // n = 3 * 2^30: the limit is 2^32 - 2^30, so about one output in four is rejected and the draws fall out of step.
    for (const n of [1, 2, 3, 10, 1115, 3 * 2 ** 30, 2 ** 32]) {
      const rng = new Xoshiro128('ints');
      const ref = referenceXoshiro128ss(referenceSeedState('ints'));
      const draws = Array.from({ length: 200 }, () => rng.nextInt(n));
      expect(draws, String(n)).toEqual(Array.from({ length: 200 }, () => referenceInt(ref.next, n)));
      expect(draws.every((x) => Number.isInteger(x) && x >= 0 && x < n)).toBe(true);
    }
  });

  it('shuffleInPlace is the documented Fisher-Yates: for i from n-1 down to 1, swap a[i] with a[nextInt(i + 1)]', () => {
    const items = Array.from({ length: 500 }, (_, i) => i);
    const ref = referenceXoshiro128ss(referenceSeedState(42));
    const expected = items.slice();
    for (let i = expected.length - 1; i > 0; i--) {
      const j = referenceInt(ref.next, i + 1);
      [expected[i], expected[j]] = [expected[j]!, expected[i]!];
    }
    expect(shuffleInPlace(items, new Xoshiro128(42))).toEqual(expected);
  });

  it('state() is the reference state, and fromState() continues the sequence exactly (the trainer saves it in checkpoints)', () => {
    const rng = new Xoshiro128(5);
    expect(Array.from(rng.state())).toEqual(referenceSeedState(5));
    const head = Array.from({ length: 10 }, () => rng.nextUint32());
    const resumed = Xoshiro128.fromState(rng.state());
    expect([...head, ...Array.from({ length: 990 }, () => resumed.nextUint32())]).toEqual(referenceSequence(5, 1000));
  });
});
