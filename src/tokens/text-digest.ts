// A 128-bit digest of a string: MurmurHash3 x86_128 of its UTF-16LE code units, in plain JS (no per-call native overhead).
// It keys the token-count cache; it is not a cryptographic hash (texts are not adversarial, and 128 bits keep
// accidental collisions out of reach: ~10^-26 for a million texts).

/** The last digest computed by `digestText`: four 32-bit words (reused, so read it before the next call). */
export const digest = new Uint32Array(4);

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Digests `text` into `digest` (seed 0). */
export function digestText(text: string): void {
  const n = text.length;
  let h1 = 0;
  let h2 = 0;
  let h3 = 0;
  let h4 = 0;
  const blocks = n >>> 3; // 8 code units = 16 bytes per block
  let i = 0;
  for (let b = 0; b < blocks; b++, i += 8) {
    let k1 = text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16);
    let k2 = text.charCodeAt(i + 2) | (text.charCodeAt(i + 3) << 16);
    let k3 = text.charCodeAt(i + 4) | (text.charCodeAt(i + 5) << 16);
    let k4 = text.charCodeAt(i + 6) | (text.charCodeAt(i + 7) << 16);
    k1 = Math.imul(rotl(Math.imul(k1, C1), 15), C2);
    h1 ^= k1;
    h1 = rotl(h1, 19) + h2;
    h1 = (Math.imul(h1, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    h2 ^= k2;
    h2 = rotl(h2, 17) + h3;
    h2 = (Math.imul(h2, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(rotl(Math.imul(k3, C3), 17), C4);
    h3 ^= k3;
    h3 = rotl(h3, 15) + h4;
    h3 = (Math.imul(h3, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(rotl(Math.imul(k4, C4), 18), C1);
    h4 ^= k4;
    h4 = rotl(h4, 13) + h1;
    h4 = (Math.imul(h4, 5) + 0x32ac3b17) | 0;
  }
  // Tail: up to 7 code units (14 bytes), mixed as the reference mixes its last 1-15 bytes.
  const rest = n - i;
  if (rest > 6) h4 ^= Math.imul(rotl(Math.imul(text.charCodeAt(i + 6), C4), 18), C1);
  if (rest > 4) h3 ^= Math.imul(rotl(Math.imul(text.charCodeAt(i + 4) | (rest > 5 ? text.charCodeAt(i + 5) << 16 : 0), C3), 17), C4);
  if (rest > 2) h2 ^= Math.imul(rotl(Math.imul(text.charCodeAt(i + 2) | (rest > 3 ? text.charCodeAt(i + 3) << 16 : 0), C2), 16), C3);
  if (rest > 0) h1 ^= Math.imul(rotl(Math.imul(text.charCodeAt(i) | (rest > 1 ? text.charCodeAt(i + 1) << 16 : 0), C1), 15), C2);
  const len = n * 2;
  h1 ^= len;
  h2 ^= len;
  h3 ^= len;
  h4 ^= len;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  digest[0] = h1;
  digest[1] = h2;
  digest[2] = h3;
  digest[3] = h4;
}
