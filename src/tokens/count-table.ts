// Token counts by text digest, in one SharedArrayBuffer that every counting thread reads and extends: packed entries
// (digest, count, first token) and an open-addressing index. Each thread claims entries in blocks (an atomic add)
// and publishes each entry with a compare-and-swap on its index slot, so threads never wait for each other and never
// see half an entry.
import { digest } from './text-digest.ts';

/** Words per entry: digest (4), token count, first token id + 1 (0: the text has no tokens). */
export const ENTRY_WORDS = 6;

const HEADER_WORDS = 4;
/** Header word: entries claimed so far, in blocks (may run past capacity once full). */
const SIZE = 0;
/** Header word: entries that were loaded before sharing (the persistent cache). */
const LOADED = 1;
/** Entries a thread claims at a time (one shared counter bumped per entry made both cores fight over its cache line). */
export const BLOCK_ENTRIES = 256;

/** Index slots for a capacity: a power of two, at most 3/4 full (linear probing stays short). */
function slotsFor(capacity: number): number {
  let slots = 1024;
  while (slots * 3 < capacity * 4) slots *= 2;
  return slots;
}

/** What another thread needs to open the same table. */
export interface CountTableData {
  buffer: SharedArrayBuffer;
  capacity: number;
}

/** Text digest -> (token count, first token id); safe to read and add from several threads at once. */
export class CountTable {
  readonly capacity: number;
  private readonly header: Int32Array;
  private readonly entries: Uint32Array;
  private readonly index: Int32Array;
  private readonly mask: number;
  /** This thread's block of claimed entries: the next one to fill, and its end. */
  private next = 0;
  private blockEnd = 0;
  private full = false;
  /** Blocks this thread has filled (their first entry numbers), not yet taken. */
  private filled: number[] = [];

  /** A new table for `capacity` entries, or one another thread made, from its `data()`. */
  constructor(capacity: number, options: { data?: CountTableData } = {}) {
    this.capacity = options.data?.capacity ?? Math.max(16, capacity);
    const slots = slotsFor(this.capacity);
    const bytes = (HEADER_WORDS + this.capacity * ENTRY_WORDS + slots) * 4;
    const buffer = options.data?.buffer ?? new SharedArrayBuffer(bytes);
    this.header = new Int32Array(buffer, 0, HEADER_WORDS);
    this.entries = new Uint32Array(buffer, HEADER_WORDS * 4, this.capacity * ENTRY_WORDS);
    this.index = new Int32Array(buffer, (HEADER_WORDS + this.capacity * ENTRY_WORDS) * 4, slots);
    this.mask = slots - 1;
  }

  /** For opening this table in another thread (a SharedArrayBuffer is shared, not copied). */
  data(): CountTableData {
    return { buffer: this.header.buffer as SharedArrayBuffer, capacity: this.capacity };
  }

  /** Entries claimed in the table (unfilled ends of threads' blocks included). */
  get size(): number {
    return Math.min(Atomics.load(this.header, SIZE), this.capacity);
  }

  /** Entries that came from `load`. */
  get loaded(): number {
    return this.header[LOADED]!;
  }

  /** The entry number of the digest in `digest`, or -1. */
  find(): number {
    const d0 = digest[0]!;
    const e = this.entries;
    const index = this.index;
    const mask = this.mask;
    for (let slot = d0 & mask; ; slot = (slot + 1) & mask) {
      const k = Atomics.load(index, slot);
      if (k === 0) return -1;
      const at = (k - 1) * ENTRY_WORDS;
      if (e[at] === d0 && e[at + 1] === digest[1] && e[at + 2] === digest[2] && e[at + 3] === digest[3]) return k - 1;
    }
  }

  count(entry: number): number {
    return this.entries[entry * ENTRY_WORDS + 4]!;
  }

  firstToken(entry: number): number {
    return this.entries[entry * ENTRY_WORDS + 5]! - 1;
  }

  /**
   * Adds the digest in `digest` (looked up and not found by the caller); false when the table is full. Two threads
   * adding the same text at once both get an entry, which only wastes one.
   */
  add(count: number, firstToken: number): boolean {
    if (this.next === this.blockEnd) {
      if (this.full) return false;
      if (this.blockEnd > 0) this.filled.push(this.blockEnd - BLOCK_ENTRIES);
      const start = Atomics.add(this.header, SIZE, BLOCK_ENTRIES);
      if (start >= this.capacity) {
        this.full = true;
        return false;
      }
      this.next = start;
      this.blockEnd = start + BLOCK_ENTRIES;
    }
    if (this.next >= this.capacity) {
      this.full = true;
      return false;
    }
    const n = this.next++;
    const e = this.entries;
    const at = n * ENTRY_WORDS;
    e[at] = digest[0]!;
    e[at + 1] = digest[1]!;
    e[at + 2] = digest[2]!;
    e[at + 3] = digest[3]!;
    e[at + 4] = count;
    e[at + 5] = firstToken + 1;
    // Publishing the slot after the words are written: a thread that sees the slot sees the whole entry.
    for (let slot = e[at]! & this.mask; ; slot = (slot + 1) & this.mask) {
      if (Atomics.compareExchange(this.index, slot, 0, n + 1) === 0) return true;
    }
  }

  /**
   * Appends packed entries in one thread, before the table is shared (loading the persistent cache). Duplicates are
   * not looked for: a duplicate only wastes a slot, as lookups stop at the first match. Returns how many fit.
   */
  load(words: Uint32Array): number {
    const size = this.header[SIZE]!;
    const n = Math.min(Math.floor(words.length / ENTRY_WORDS), this.capacity - size);
    const e = this.entries;
    e.set(words.subarray(0, n * ENTRY_WORDS), size * ENTRY_WORDS);
    const index = this.index;
    const mask = this.mask;
    for (let k = size, end = size + n; k < end; k++) {
      let slot = e[k * ENTRY_WORDS]! & mask;
      while (index[slot] !== 0) slot = (slot + 1) & mask;
      index[slot] = k + 1;
    }
    this.header[SIZE] = size + n;
    this.header[LOADED] = size + n;
    return n;
  }

  /** Blocks this thread has filled since the last call (first entry numbers): their entries are complete. */
  takeFilled(): number[] {
    const out = this.filled;
    this.filled = [];
    return out;
  }

  /**
   * The entries of blocks (first entry numbers), packed, without the unfilled ends of blocks (all-zero words: a real
   * entry has a digest that is not all zero, but for one chance in 2^128). Read a block once its thread filled it.
   */
  entriesOf(blocks: Iterable<number>): Uint32Array {
    const e = this.entries;
    const parts: number[] = [];
    for (const start of blocks) parts.push(start);
    const out = new Uint32Array(parts.length * BLOCK_ENTRIES * ENTRY_WORDS);
    let n = 0;
    for (const start of parts) {
      const end = Math.min(start + BLOCK_ENTRIES, this.capacity) * ENTRY_WORDS;
      for (let at = start * ENTRY_WORDS; at < end; at += ENTRY_WORDS) {
        if ((e[at]! | e[at + 1]! | e[at + 2]! | e[at + 3]!) === 0) continue;
        for (let w = 0; w < ENTRY_WORDS; w++) out[n + w] = e[at + w]!;
        n += ENTRY_WORDS;
      }
    }
    return out.subarray(0, n);
  }

  /** First entry numbers of every block claimed since loading. */
  blocks(): number[] {
    const out: number[] = [];
    for (let start = this.loaded; start < this.size; start += BLOCK_ENTRIES) out.push(start);
    return out;
  }

  /** The entries added since loading (a copy; once no thread adds any more). */
  added(): Uint32Array {
    return this.entriesOf(this.blocks());
  }
}
