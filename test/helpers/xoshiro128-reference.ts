// An independent xoshiro128** for tests, written from the reference C code by Blackman and Vigna
// (https://prng.di.unimi.it/xoshiro128starstar.c), in BigInt arithmetic reduced mod 2^32 (src/shared/prng.ts uses
// Math.imul and int32 shifts), with tunefile's documented seeding: the state is the first 16 bytes of
// sha256(`tunefile:<seed>`), read as four little-endian uint32 words. It shares no code with src/shared/prng.ts.
import { createHash } from 'node:crypto';

const MASK = 0xffff_ffffn;

/** (x << k) | (x >> (32 - k)) on a uint32. */
function rotl(x: bigint, k: bigint): bigint {
  return ((x << k) | (x >> (32n - k))) & MASK;
}

/**
 * Returns next() over the state s[0..3] (uint32 words), as in the reference:
 *   result = rotl(s[1] * 5, 7) * 9;  t = s[1] << 9;
 *   s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 11);
 */
export function referenceXoshiro128ss(state: readonly [number, number, number, number]): { next: () => number; state: () => number[] } {
  const s: [bigint, bigint, bigint, bigint] = [BigInt(state[0]) & MASK, BigInt(state[1]) & MASK, BigInt(state[2]) & MASK, BigInt(state[3]) & MASK];
  return {
    next() {
      const result = (rotl((s[1] * 5n) & MASK, 7n) * 9n) & MASK;
      const t = (s[1] << 9n) & MASK;
      s[2] ^= s[0];
      s[3] ^= s[1];
      s[1] ^= s[2];
      s[0] ^= s[3];
      s[2] ^= t;
      s[3] = rotl(s[3], 11n);
      return Number(result);
    },
    state: () => s.map(Number),
  };
}

/** tunefile's seeding: the first 16 bytes of sha256(`tunefile:<seed>`) as four little-endian uint32 words. */
export function referenceSeedState(seed: string | number): [number, number, number, number] {
  const digest = createHash('sha256').update(`tunefile:${seed}`, 'utf8').digest();
  const view = new DataView(digest.buffer, digest.byteOffset, digest.byteLength);
  return [view.getUint32(0, true), view.getUint32(4, true), view.getUint32(8, true), view.getUint32(12, true)];
}

/** The first `count` outputs for a tunefile seed. */
export function referenceSequence(seed: string | number, count: number): number[] {
  const rng = referenceXoshiro128ss(referenceSeedState(seed));
  return Array.from({ length: count }, () => rng.next());
}

/** A uniform integer in [0, n) as documented in prng.ts: reject outputs >= 2^32 - (2^32 mod n), then take the rest mod n. */
export function referenceInt(next: () => number, n: number): number {
  const limit = 2 ** 32 - (2 ** 32 % n);
  for (;;) {
    const x = next();
    if (x < limit) return x % n;
  }
}
