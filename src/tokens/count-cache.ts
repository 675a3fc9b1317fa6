// The persistent token-count cache: per encoding (or Hugging Face tokenizer), a chunk log in state.db of packed (text digest, token count,
// first token) entries. Loaded whole into the table the counting threads share; a run appends what it counted anew,
// a chunk (one transaction) at a time, while it counts.
// Any chunk that is not exactly what this version writes (foreign, older format, truncated, bit-flipped) makes
// the whole cache ignored, and the next write replaces it: a bad cache costs a recount, never a wrong count.
import type { ChunkLog } from '../store/chunk-log.ts';
import { BLOCK_ENTRIES, CountTable, ENTRY_WORDS } from './count-table.ts';
import { digest, digestText } from './text-digest.ts';
import { LONG_PIECE_CHARS } from './text-counter.ts';

export type { ChunkLog } from '../store/chunk-log.ts';

/**
 * Bump when counts for the same text could change (the counting rules, the digest, the layout). Every chunk's header
 * holds a digest of this version, the long-piece rule, the encoding's name and its rank file (so a js-tiktoken
 * update with other ranks ignores the old counts); the log's name also holds the encoding.
 */
export const COUNT_CACHE_FORMAT = 1;
/** Entries kept per encoding (48 MiB of entries); the oldest chunks are dropped beyond it. */
export const MAX_CACHED_TEXTS = 1 << 21;
/** Entries per chunk, so that trimming drops old entries in ~1.5 MB steps. */
const CHUNK_ENTRIES = 1 << 16;
const HEADER_WORDS = 8;
const MAGIC = 0x43544654; // "TFTC" little-endian

/**
 * What counts are cached for: a tiktoken encoder (its name and rank file's fingerprint), or a Hugging Face tokenizer
 * (`hf:<hash of its files>` and that hash's digest word). Counts of one are never used for another.
 */
export interface CountIdentity {
  name: string;
  fingerprint: number;
}

/** The chunk log's name for an encoding, or a Hugging Face tokenizer's `hf:<hash>` (under the stage type's namespace). */
export function countCacheName(name: string): string {
  return `token-counts:${name}`;
}

/** What was loaded: the table (persistent counts loaded, room for `spare` more), and whether the log must be replaced on the next write. */
export interface LoadedCounts {
  table: CountTable;
  /** The log held something unusable (ignored); the next write drops it. */
  replace: boolean;
}

/** What a chunk must have been written for: the encoding, its rank file, the format and the counting rules. */
function identity(enc: CountIdentity): number {
  digestText(`${enc.name}/${enc.fingerprint}/${COUNT_CACHE_FORMAT}/${LONG_PIECE_CHARS}`);
  return digest[0]!;
}

function checksum(words: Uint32Array, from: number, to: number, seed: number): number {
  let h = seed | 0;
  for (let i = from; i < to; i++) {
    let k = Math.imul(words[i]!, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
    h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The entries of a chunk, or undefined when it is not a valid chunk of this encoding and format. */
function readChunk(bytes: Uint8Array, id: number): Uint32Array | undefined {
  if (bytes.byteLength < HEADER_WORDS * 4 || bytes.byteLength % 4 !== 0) return undefined;
  const words = bytes.byteOffset % 4 === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4) : new Uint32Array(bytes.slice().buffer);
  const n = words[3]!;
  if (words[0] !== MAGIC || words[1] !== COUNT_CACHE_FORMAT || words[2] !== id || words.length !== HEADER_WORDS + n * ENTRY_WORDS) return undefined;
  if (words[4] !== checksum(words, HEADER_WORDS, words.length, id ^ n)) return undefined;
  return words.subarray(HEADER_WORDS);
}

/**
 * A table shared with worker threads holding the cached counts of an encoding (none when the log is empty or
 * unusable), with room for `spare` new ones. Never throws.
 */
export function loadCounts(log: ChunkLog, enc: CountIdentity, spare: number): LoadedCounts {
  let chunks: Uint8Array[];
  try {
    chunks = log.read();
  } catch {
    return { table: new CountTable(spare), replace: false };
  }
  const id = identity(enc);
  const parts: Uint32Array[] = [];
  let total = 0;
  for (const chunk of chunks) {
    const entries = readChunk(chunk, id);
    if (!entries) return { table: new CountTable(spare), replace: true };
    parts.push(entries);
    total += entries.length / ENTRY_WORDS;
  }
  // The newest entries win the space when the log holds more than the cap (it never should).
  const loaded = Math.min(total, MAX_CACHED_TEXTS);
  const table = new CountTable(loaded + spare);
  for (let i = parts.length - 1; i >= 0 && table.size < loaded; i--) table.load(parts[i]!.subarray(0, (loaded - table.size) * ENTRY_WORDS));
  return { table, replace: false };
}

/** Packs entries into chunks of at most CHUNK_ENTRIES entries, with their headers. */
function toChunks(entries: Uint32Array, id: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  const n = entries.length / ENTRY_WORDS;
  for (let from = 0; from < n; from += CHUNK_ENTRIES) {
    const count = Math.min(CHUNK_ENTRIES, n - from);
    const words = new Uint32Array(HEADER_WORDS + count * ENTRY_WORDS);
    words.set(entries.subarray(from * ENTRY_WORDS, (from + count) * ENTRY_WORDS), HEADER_WORDS);
    words[0] = MAGIC;
    words[1] = COUNT_CACHE_FORMAT;
    words[2] = id;
    words[3] = count;
    words[4] = checksum(words, HEADER_WORDS, words.length, id ^ count);
    chunks.push(new Uint8Array(words.buffer));
  }
  return chunks;
}

const MAX_BYTES = MAX_CACHED_TEXTS * ENTRY_WORDS * 4 + Math.ceil(MAX_CACHED_TEXTS / CHUNK_ENTRIES) * HEADER_WORDS * 4;

/**
 * Writes a run's new counts to the log: a chunk whenever threads have filled enough blocks of the table (so most
 * of the writing overlaps the counting), and the rest at the end. A failed write stops the saving, never the check.
 */
export class CountSaver {
  private readonly log: ChunkLog;
  private readonly table: CountTable;
  private readonly id: number;
  private replace: boolean;
  private pending: number[] = [];
  private readonly saved = new Set<number>();
  private failed = false;
  /** Entries written so far. */
  written = 0;

  /** `replace`: the log held something unusable, dropped with the first write. */
  constructor(log: ChunkLog, enc: CountIdentity, table: CountTable, replace: boolean) {
    this.log = log;
    this.table = table;
    this.id = identity(enc);
    this.replace = replace;
  }

  /** Blocks of the table a thread has filled; a chunk is written once they hold CHUNK_ENTRIES entries. */
  add(blocks: number[]): void {
    for (const b of blocks) this.pending.push(b);
    if (this.pending.length * BLOCK_ENTRIES >= CHUNK_ENTRIES) this.write(this.pending);
  }

  /** Writes every block not written yet (once no thread adds any more); the entries written in all, or undefined when a write failed. */
  finish(): number | undefined {
    const rest = this.table.blocks().filter((b) => !this.saved.has(b));
    if (rest.length > 0 || this.replace) this.write(rest);
    return this.failed ? undefined : this.written;
  }

  private write(blocks: number[]): void {
    this.pending = [];
    if (this.failed) return;
    const entries = this.table.entriesOf(blocks);
    try {
      this.log.append(toChunks(entries, this.id), { replace: this.replace, maxBytes: MAX_BYTES });
    } catch {
      this.failed = true;
      return;
    }
    this.replace = false;
    for (const b of blocks) this.saved.add(b);
    this.written += entries.length / ENTRY_WORDS;
  }
}
