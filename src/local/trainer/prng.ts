// A seeded, serializable PRNG (sfc32 seeded through splitmix32), so training is reproducible and resumable.

/** The generator's whole state: four 32-bit words, saved in checkpoints. */
export type PrngState = Uint32Array;

/** A fresh state for a seed; the same seed gives the same sequence on every machine. */
export function createPrngState(seed: number): PrngState {
  const state = new Uint32Array(4);
  let x = (Math.trunc(seed) >>> 0) ^ 0x9e3779b9;
  for (let i = 0; i < 4; i++) {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    state[i] = (z ^ (z >>> 16)) >>> 0;
  }
  for (let i = 0; i < 12; i++) nextUint32(state);
  return state;
}

/** The next 32-bit unsigned value; advances the state in place (sfc32). */
export function nextUint32(s: PrngState): number {
  const t = (((s[0]! + s[1]!) >>> 0) + s[3]!) >>> 0;
  s[3] = (s[3]! + 1) >>> 0;
  s[0] = s[1]! ^ (s[1]! >>> 9);
  s[1] = (s[2]! + (s[2]! << 3)) >>> 0;
  s[2] = ((s[2]! << 21) | (s[2]! >>> 11)) >>> 0;
  s[2] = (s[2]! + t) >>> 0;
  return t;
}

/** A uniform integer in [0, n) without modulo bias. */
export function nextInt(s: PrngState, n: number): number {
  const limit = 0x100000000 - (0x100000000 % n);
  for (;;) {
    const x = nextUint32(s);
    if (x < limit) return x % n;
  }
}

/** Fills `order` with 0..n-1 and shuffles it (Fisher-Yates), allocation-free. */
export function shuffleIdentity(s: PrngState, order: Int32Array): void {
  for (let i = 0; i < order.length; i++) order[i] = i;
  for (let i = order.length - 1; i > 0; i--) {
    const j = nextInt(s, i + 1);
    const tmp = order[i]!;
    order[i] = order[j]!;
    order[j] = tmp;
  }
}
