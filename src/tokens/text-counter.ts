// Counts a text's tokens (and its first token) without building the id list: the text is split by the encoding's
// pre-tokenizer regex and each piece's count is looked up in a per-thread piece cache (tiktoken encodes pieces
// independently, so this is exact); with a count table, whole texts are first looked up by digest.
import type { BpeEncoder } from './bpe.ts';
import type { CountTable } from './count-table.ts';
import { digestText } from './text-digest.ts';

/** Token ids are below 2^18 (o200k_base has ~200,000), so a piece's count and first id pack into one number. */
const PACK = 1 << 18;

/** Distinct pre-tokenizer pieces remembered per thread; beyond this, new pieces are encoded every time. */
const MAX_CACHED_PIECES = 500_000;
/** Longer pieces are not remembered (rare; encoding them is linear anyway). */
const MAX_CACHED_PIECE_CHARS = 256;
const MISSING = -2;

/**
 * Piece -> token count * PACK + first token id (-1: encode the whole text), looked up by a text and a range, so
 * that the ~40 pieces of a typical text need no substring each: a Map<string> lookup allocated one per piece,
 * and that allocation was the part of counting that scaled worst across threads.
 */
class PieceCache {
  private keys: string[];
  private values: Float64Array;
  private hashes: Int32Array;
  private mask: number;
  private size = 0;
  /** Where the last missed lookup would insert. */
  private slot = 0;
  private hash = 0;

  constructor(bits = 12) {
    this.keys = new Array<string>(1 << bits).fill('');
    this.values = new Float64Array(1 << bits);
    this.hashes = new Int32Array(1 << bits);
    this.mask = (1 << bits) - 1;
  }

  /** The value of text[start, end), or MISSING (then `set` stores that piece). */
  get(text: string, start: number, end: number): number {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    h |= 1; // 0 marks an empty slot
    const length = end - start;
    const mask = this.mask;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const sh = this.hashes[slot]!;
      if (sh === 0) {
        this.slot = slot;
        this.hash = h;
        return MISSING;
      }
      if (sh === h) {
        const key = this.keys[slot]!;
        if (key.length === length) {
          let i = 0;
          while (i < length && key.charCodeAt(i) === text.charCodeAt(start + i)) i++;
          if (i === length) return this.values[slot]!;
        }
      }
    }
  }

  /** Stores the piece of the last missed `get`. */
  set(piece: string, value: number): void {
    if (this.size >= MAX_CACHED_PIECES || piece.length > MAX_CACHED_PIECE_CHARS) return;
    this.hashes[this.slot] = this.hash;
    this.keys[this.slot] = piece;
    this.values[this.slot] = value;
    this.size += 1;
    if (this.size * 2 > this.mask) this.grow();
  }

  private grow(): void {
    const { keys, values, hashes } = this;
    const n = (this.mask + 1) * 2;
    this.keys = new Array<string>(n).fill('');
    this.values = new Float64Array(n);
    this.hashes = new Int32Array(n);
    this.mask = n - 1;
    for (let i = 0; i < hashes.length; i++) {
      const h = hashes[i]!;
      if (h === 0) continue;
      let slot = h & this.mask;
      while (this.hashes[slot] !== 0) slot = (slot + 1) & this.mask;
      this.hashes[slot] = h;
      this.keys[slot] = keys[i]!;
      this.values[slot] = values[i]!;
    }
  }
}

/**
 * Pieces longer than this are encoded in slices of this size (the fastest size measured). BPE time grows with the square of a piece's
 * length (an unbroken letter run of a few thousand characters takes seconds, a large file of them days); slicing makes it linear at the
 * cost of at most about one extra token per slice boundary, which errs on the safe side for limits and cost.
 */
export const LONG_PIECE_CHARS = 128;

export interface TextCounterOptions {
  /** Counts by text digest, shared by every counting thread: the persistent cache's, then every text counted this run. */
  table?: CountTable;
}

/**
 * One thread's token counter: a text's token count and first token, looked up by digest in the count table when
 * there is one. TextCounter counts with a tiktoken BPE, hf-counter.ts HfTextCounter with a Hugging Face tokenizer.
 * Not thread-safe; each thread has its own (the table is what they share).
 */
export abstract class TokenCounter {
  /** First token id of the text last counted (-1: none). */
  first = -1;
  /** Texts found among the loaded (persistent) counts / counted here; texts found among this run's counts are neither. */
  hits = 0;
  misses = 0;
  private readonly table: CountTable | undefined;

  constructor(options: TextCounterOptions = {}) {
    this.table = options.table;
  }

  /** Number of tokens of `text`; sets `first`. */
  count(text: string): number {
    if (text.length === 0) {
      this.first = -1;
      return 0;
    }
    const table = this.table;
    if (table === undefined) return this.countFresh(text);
    digestText(text);
    const k = table.find();
    if (k >= 0) {
      if (k < table.loaded) this.hits++;
      this.first = table.firstToken(k);
      return table.count(k);
    }
    this.misses++;
    const n = this.countFresh(text);
    table.add(n, this.first); // `digest` still holds this text's digest; a full table just remembers no more
    return n;
  }

  /** The text of one token (for first tokens in the report). */
  abstract tokenText(id: number): string;

  /**
   * A conversation as the model's chat template renders it, for tokenizers that have one (Hugging Face); chat lines
   * are then counted as that text. Without it, chat lines are counted with OpenAI's cookbook formula (count.ts).
   */
  renderChat?(messages: Record<string, unknown>[], tools?: unknown): string;

  /** Counts a non-empty text without the table; sets `first`. */
  protected abstract countFresh(text: string): number;
}

/** One thread's counter over a tiktoken BPE. */
export class TextCounter extends TokenCounter {
  readonly enc: BpeEncoder;
  private readonly pieces = new PieceCache();
  private readonly splitter: RegExp;
  private readonly sticky: RegExp;
  private readonly whole: RegExp;

  constructor(enc: BpeEncoder, options: TextCounterOptions = {}) {
    super(options);
    this.enc = enc;
    this.splitter = new RegExp(enc.patStr, 'gu');
    this.sticky = new RegExp(enc.patStr, 'yu');
    this.whole = new RegExp(enc.patStr, 'yu');
  }

  tokenText(id: number): string {
    return id < 0 ? '' : this.enc.decode([id]);
  }

  /**
   * Counts a text piece by piece. The pre-tokenizer regex is applied sticky, piece after piece (tiktoken's patterns
   * match at every position, so this is the same split as a global search, without allocating match arrays);
   * should a pattern ever leave a gap, the text is counted with the plain global search instead.
   */
  protected countFresh(text: string): number {
    const re = this.sticky;
    const pieces = this.pieces;
    let n = 0;
    let first = -1;
    let start = 0;
    re.lastIndex = 0;
    while (start < text.length) {
      if (!re.test(text) || re.lastIndex <= start) return this.countBySearch(text);
      const end = re.lastIndex;
      let packed = pieces.get(text, start, end);
      if (packed === MISSING) {
        const piece = text.slice(start, end);
        packed = this.packPiece(piece);
        pieces.set(piece, packed);
      }
      start = end;
      if (packed < 0) return this.countWhole(text);
      if (n === 0) first = packed % PACK;
      n += Math.floor(packed / PACK);
    }
    this.first = first;
    return n;
  }

  private countBySearch(text: string): number {
    const re = this.splitter;
    let n = 0;
    let first = -1;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const packed = this.packPiece(m[0]);
      if (packed < 0) return this.countWhole(text);
      if (n === 0) first = packed % PACK;
      n += Math.floor(packed / PACK);
    }
    this.first = first;
    return n;
  }

  /** The pre-tokenizer would split a piece differently on its own: the text is encoded as a whole. */
  private countWhole(text: string): number {
    const all = this.enc.encodeOrdinary(text);
    this.first = all.length > 0 ? all[0]! : -1;
    return all.length;
  }

  /** A piece's token count and first id as `count * PACK + first`, or -1 when it must not be encoded on its own. */
  private packPiece(piece: string): number {
    const ids = this.encodePiece(piece);
    return ids.length === 0 ? -1 : ids.length * PACK + ids[0]!;
  }

  /** BPE ids of one piece, or [] when the pre-tokenizer would not keep it whole on its own; long pieces in slices. */
  private encodePiece(piece: string): number[] {
    this.whole.lastIndex = 0;
    const whole = this.whole.exec(piece);
    if (whole === null || whole[0] !== piece) return [];
    const ids: number[] = [];
    if (piece.length <= LONG_PIECE_CHARS) {
      this.enc.encodePiece(piece, ids);
      return ids;
    }
    let start = 0;
    while (start < piece.length) {
      let end = Math.min(piece.length, start + LONG_PIECE_CHARS);
      const code = piece.charCodeAt(end - 1);
      if (end < piece.length && code >= 0xd800 && code <= 0xdbff) end -= 1; // never split a surrogate pair
      for (const id of this.enc.encodeOrdinary(piece.slice(start, end))) ids.push(id);
      start = end;
    }
    return ids;
  }
}
