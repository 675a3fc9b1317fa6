// The one PRNG: specified, so splits and local training are identical on every machine (xoshiro128** seeded from sha256).
import { createHash } from 'node:crypto';

/**
 * xoshiro128** (Blackman & Vigna, 2018). The 128-bit state is the first 16 bytes of
 * sha256(`tunefile:<seed>`), read as four little-endian uint32 words.
 */
export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: string | number) {
    const bytes = createHash('sha256').update(`tunefile:${seed}`).digest();
    this.s0 = bytes.readUInt32LE(0);
    this.s1 = bytes.readUInt32LE(4);
    this.s2 = bytes.readUInt32LE(8);
    this.s3 = bytes.readUInt32LE(12);
  }

  /** A generator that continues from `words`, four uint32 words as state() gives them (a saved checkpoint). */
  static fromState(words: ArrayLike<number>): Xoshiro128 {
    const rng = new Xoshiro128(0);
    rng.s0 = words[0]! >>> 0;
    rng.s1 = words[1]! >>> 0;
    rng.s2 = words[2]! >>> 0;
    rng.s3 = words[3]! >>> 0;
    return rng;
  }

  /** The whole state as four uint32 words, to save and continue later with fromState(). */
  state(): Uint32Array {
    return Uint32Array.of(this.s0, this.s1, this.s2, this.s3);
  }

  /** The next uint32. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform float in [0, 1). */
  nextFloat(): number {
    return this.nextUint32() / 2 ** 32;
  }

  /** A uniform integer in [0, n), by rejection sampling (no modulo bias). n <= 2^32. */
  nextInt(n: number): number {
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Fisher-Yates shuffle in place: for i from n-1 down to 1, swap a[i] with a[nextInt(i + 1)]. */
export function shuffleInPlace<A extends { length: number; [index: number]: unknown }>(items: A, rng: Xoshiro128): A {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
  return items;
}
