// A hash set of 128-bit digests in typed arrays: 16 bytes per key plus a slot, no per-key objects or GC load.
import { hash } from 'node:crypto';

/** A growable Int32 column (group ids, row numbers) without per-element boxing. */
export class Int32Column {
  data: Int32Array;
  length = 0;

  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }

  /** Appends a value. */
  push(value: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = value;
  }

  /** Sets index i (growing as needed). */
  set(i: number, value: number): void {
    if (i >= this.data.length) this.grow(i + 1);
    this.data[i] = value;
    if (i >= this.length) this.length = i + 1;
  }

  get(i: number): number {
    return this.data[i]!;
  }

  private grow(need: number): void {
    const next = new Int32Array(Math.max(need, this.data.length * 2));
    next.set(this.data);
    this.data = next;
  }
}

/**
 * Dense ids for distinct texts, keyed by the first 16 bytes of their sha256 (collisions are
 * astronomically unlikely: 2^-64 at 10^9 keys). Ids are 0, 1, 2, ... in insertion order.
 */
export class DigestTable {
  private words = new Uint32Array(4 * 1024);
  private slots: Int32Array;
  private mask: number;
  /** Distinct keys so far. */
  size = 0;
  /** Ids of short texts seen before (labels repeat), so they skip hashing. */
  private recent = new Map<string, number>();
  /** The same for addBytes, keyed by the bytes as latin1. */
  private recentBytes = new Map<string, number>();

  constructor(capacity = 1 << 12) {
    this.slots = new Int32Array(capacity).fill(-1);
    this.mask = capacity - 1;
  }

  /** The id of `text`, adding it when new (then the id equals the previous size). */
  add(text: string): number {
    const short = text.length <= 64;
    if (short) {
      const known = this.recent.get(text);
      if (known !== undefined) return known;
    }
    digestWords(hash('sha256', text, 'latin1'), scratch, 0);
    const id = this.addDigest(scratch, 0);
    if (short && this.recent.size < 10_000) this.recent.set(text, id);
    return id;
  }

  /**
   * The id of the key bytes[start .. end), adding it when new: keyed by the sha256 of the bytes, where add() takes
   * that of a text's UTF-8. Feed a table through one of the two only.
   */
  addBytes(bytes: Buffer, start: number, end: number): number {
    const short = end - start <= 64;
    const key = short ? bytes.toString('latin1', start, end) : '';
    if (short) {
      const known = this.recentBytes.get(key);
      if (known !== undefined) return known;
    }
    bytesDigestWords(bytes, start, end, scratch, 0);
    const id = this.addDigest(scratch, 0);
    if (short && this.recentBytes.size < 10_000) this.recentBytes.set(key, id);
    return id;
  }

  /** addBytes() for a key whose digest bytesDigestWords() already wrote into words[at .. at+4). */
  addDigest(words: Uint32Array, at: number): number {
    return this.lookup(words[at]!, words[at + 1]!, words[at + 2]!, words[at + 3]!, true);
  }

  /** The id of `text`, or -1. */
  find(text: string): number {
    digestWords(hash('sha256', text, 'latin1'), scratch, 0);
    return this.lookup(scratch[0]!, scratch[1]!, scratch[2]!, scratch[3]!, false);
  }

  /** The id of a key given as four 32-bit words (e.g. a pair of ids), adding it when new. */
  addWords(a: number, b: number, c: number, d: number): number {
    return this.lookup(a >>> 0, b >>> 0, c >>> 0, d >>> 0, true);
  }

  private lookup(a: number, b: number, c: number, d: number, insert: boolean): number {
    const w = this.words;
    let slot = mix(a, b, c, d) & this.mask;
    for (;;) {
      const id = this.slots[slot]!;
      if (id < 0) break;
      const o = id * 4;
      if (w[o] === a && w[o + 1] === b && w[o + 2] === c && w[o + 3] === d) return id;
      slot = (slot + 1) & this.mask;
    }
    if (!insert) return -1;
    const id = this.size++;
    if (id * 4 + 4 > this.words.length) {
      const grown = new Uint32Array(this.words.length * 2);
      grown.set(this.words);
      this.words = grown;
    }
    const o = id * 4;
    this.words[o] = a;
    this.words[o + 1] = b;
    this.words[o + 2] = c;
    this.words[o + 3] = d;
    this.slots[slot] = id;
    if (this.size * 2 > this.slots.length) this.rehash();
    return id;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    const w = this.words;
    for (let id = 0; id < this.size; id++) {
      const o = id * 4;
      let slot = mix(w[o]!, w[o + 1]!, w[o + 2]!, w[o + 3]!) & mask;
      while (slots[slot]! >= 0) slot = (slot + 1) & mask;
      slots[slot] = id;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** Writes the digest addBytes() keys bytes[start .. end) by into words[at .. at+4). */
export function bytesDigestWords(bytes: Buffer, start: number, end: number, words: Uint32Array, at: number): void {
  digestWords(hash('sha256', bytes.subarray(start, end), 'latin1'), words, at);
}

/** Digests are read one per lookup, into this. */
const scratch = new Uint32Array(4);

/**
 * Writes the first 16 bytes of a sha256 digest given as latin1 (one character per byte) into words[at .. at+4) as
 * little-endian uint32s. The digest comes as a string because crypto.hash returns a short string more cheaply than a
 * Buffer (measured per prompt: BENCHMARKS.md), and latin1 maps bytes 0-255 to char codes 0-255 exactly.
 */
function digestWords(d: string, words: Uint32Array, at: number): void {
  for (let k = 0; k < 4; k++) {
    const i = k * 4;
    words[at + k] = d.charCodeAt(i) | (d.charCodeAt(i + 1) << 8) | (d.charCodeAt(i + 2) << 16) | (d.charCodeAt(i + 3) << 24);
  }
}

/** Mixes four words into a slot hash (murmur3-style finalizer). */
function mix(a: number, b: number, c: number, d: number): number {
  let h = a ^ Math.imul(b, 0x9e3779b1) ^ Math.imul(c, 0x85ebca6b) ^ Math.imul(d, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}
