// A byte-pair encoder over js-tiktoken's rank files: the same merges as js-tiktoken's Tiktoken (tested against it).
// Its rank table is built once per process, far faster than js-tiktoken's constructor builds its own, in a SharedArrayBuffer
// (token bytes, their offsets, and an open-addressing index by bytes) that counting threads use without building their own.
import type { EncodingName } from './encoding.ts';
import { digest, digestText } from './text-digest.ts';

/** The shape of js-tiktoken's rank modules (`js-tiktoken/ranks/<name>`). */
export interface RankFile {
  pat_str: string;
  special_tokens: Record<string, number>;
  /** Lines of `! <first rank> <base64 token> <base64 token> ...`. */
  bpe_ranks: string;
}

/** What another thread needs to use the same encoder. */
export interface BpeData {
  name: EncodingName;
  /** A digest word of the rank file (pattern and ranks): counts cached under another fingerprint are not used. */
  fingerprint: number;
  patStr: string;
  special: [number, string][];
  buffer: SharedArrayBuffer;
  /** Ranks 0..ranks-1 have an entry (possibly empty). */
  ranks: number;
  bytes: number;
  slots: number;
}

const utf8 = new TextEncoder();

/** UTF-8 bytes of a string as a latin1 string (one char per byte); lone surrogates become U+FFFD, as in TextEncoder. */
function toByteString(text: string): string {
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) return text;
  const bytes = utf8.encode(text);
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

function hashBytes(s: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/** Buffer layout: offsets (Int32 x ranks), lengths (Int32 x ranks), index (Int32 x slots: rank + 1), then the token bytes. */
function views(d: BpeData) {
  return {
    offsets: new Int32Array(d.buffer, 0, d.ranks),
    lengths: new Int32Array(d.buffer, d.ranks * 4, d.ranks),
    index: new Int32Array(d.buffer, d.ranks * 8, d.slots),
    bytes: new Uint8Array(d.buffer, (d.ranks * 2 + d.slots) * 4, d.bytes),
  };
}

/** An encoder for one tiktoken encoding; `encodeOrdinary` equals js-tiktoken's `encode(text, [], [])`. */
export class BpeEncoder {
  readonly name: EncodingName;
  /** The pre-tokenizer regex source. */
  readonly patStr: string;
  /** Identifies the rank file the table was built from. */
  readonly fingerprint: number;
  private readonly shared: BpeData;
  private readonly offsets: Int32Array;
  private readonly lengths: Int32Array;
  private readonly index: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly mask: number;
  private readonly special: Map<number, string>;
  private readonly splitter: RegExp;
  private readonly decoder = new TextDecoder('utf-8');

  /** Builds the rank table from a rank file (one pass to size it, one to decode the base64 tokens into it). */
  static build(name: EncodingName, file: RankFile): BpeEncoder {
    const src = file.bpe_ranks;
    let ranks = 0;
    let total = 0;
    forEachToken(src, (rank, from, to) => {
      total += base64Bytes(src, from, to);
      if (rank >= ranks) ranks = rank + 1;
    });
    let slots = 1024;
    while (slots < ranks * 2) slots *= 2;
    digestText(`${file.pat_str}\n${src}`);
    const data: BpeData = {
      name, fingerprint: digest[0]!, patStr: file.pat_str, special: Object.entries(file.special_tokens).map(([text, rank]) => [rank, text]),
      buffer: new SharedArrayBuffer((ranks * 2 + slots) * 4 + total), ranks, bytes: total, slots,
    };
    const v = views(data);
    const mask = slots - 1;
    let at = 0;
    // In file order, as js-tiktoken fills its map, so that bytes listed twice resolve to the same (last) rank.
    forEachToken(src, (rank, from, to) => {
      const length = decodeBase64(src, from, to, v.bytes, at);
      v.offsets[rank] = at;
      v.lengths[rank] = length;
      let h = 0x811c9dc5;
      for (let i = at; i < at + length; i++) h = Math.imul(h ^ v.bytes[i]!, 0x01000193);
      let slot = h & mask;
      for (;;) {
        const k = v.index[slot]!;
        if (k === 0 || sameStored(v, k - 1, at, length)) break;
        slot = (slot + 1) & mask;
      }
      v.index[slot] = rank + 1;
      at += length;
    });
    return new BpeEncoder(data);
  }

  /** An encoder over a table built in this or another thread. */
  constructor(data: BpeData) {
    this.shared = data;
    this.name = data.name;
    this.patStr = data.patStr;
    this.fingerprint = data.fingerprint;
    ({ offsets: this.offsets, lengths: this.lengths, index: this.index, bytes: this.bytes } = views(data));
    this.mask = data.slots - 1;
    this.special = new Map(data.special);
    this.splitter = new RegExp(data.patStr, 'gu');
  }

  /** For using this encoder in another thread (the table is shared, not copied). */
  data(): BpeData {
    return this.shared;
  }

  /** Token ids of a text, special tokens treated as ordinary text. */
  encodeOrdinary(text: string): number[] {
    const out: number[] = [];
    const re = this.splitter;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) this.encodePiece(m[0], out);
    return out;
  }

  /** Appends the ids of one pre-tokenizer piece (the caller has split the text) to `out`. */
  encodePiece(piece: string, out: number[]): void {
    const bytes = toByteString(piece);
    const whole = this.rankOf(bytes, 0, bytes.length);
    if (whole >= 0) {
      out.push(whole);
      return;
    }
    if (bytes.length === 1) return; // a byte without a rank (never in tiktoken's byte-level encodings); js-tiktoken drops it too
    // js-tiktoken's bytePairMerge: merge the adjacent pair of lowest rank (leftmost on ties) until none is left.
    const bounds: number[] = [];
    for (let i = 0; i <= bytes.length; i++) bounds.push(i);
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i < bounds.length - 2; i++) {
        const rank = this.rankOf(bytes, bounds[i]!, bounds[i + 2]!);
        if (rank >= 0 && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) break;
      bounds.splice(best + 1, 1);
    }
    for (let i = 0; i < bounds.length - 1; i++) {
      const rank = this.rankOf(bytes, bounds[i]!, bounds[i + 1]!);
      if (rank >= 0) out.push(rank);
    }
  }

  /** The text of token ids, decoded as js-tiktoken does (UTF-8, invalid bytes replaced). */
  decode(ids: ArrayLike<number>): string {
    const parts: Uint8Array[] = [];
    let length = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const part = id >= 0 && id < this.shared.ranks && this.lengths[id]! > 0
        ? this.bytes.subarray(this.offsets[id]!, this.offsets[id]! + this.lengths[id]!)
        : utf8.encode(this.special.get(id) ?? '');
      parts.push(part);
      length += part.length;
    }
    const out = new Uint8Array(length);
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return this.decoder.decode(out);
  }

  /** The rank of bytes[start, end) (a latin1 byte string), or -1. */
  private rankOf(bytes: string, start: number, end: number): number {
    const mask = this.mask;
    for (let slot = hashBytes(bytes, start, end) & mask; ; slot = (slot + 1) & mask) {
      const k = this.index[slot]!;
      if (k === 0) return -1;
      if (sameBytes(this.offsets, this.lengths, this.bytes, k - 1, bytes, start, end)) return k - 1;
    }
  }
}

/** Calls `fn` with each token's rank and the range of its base64 text in a rank file's `bpe_ranks`. */
function forEachToken(src: string, fn: (rank: number, from: number, to: number) => void): void {
  let i = 0;
  while (i < src.length) {
    let end = src.indexOf('\n', i);
    if (end < 0) end = src.length;
    // `<tag> <first rank> <token> <token> ...`
    const a = src.indexOf(' ', i);
    if (a >= 0 && a < end) {
      let b = src.indexOf(' ', a + 1);
      if (b < 0 || b > end) b = end;
      let rank = Number.parseInt(src.slice(a + 1, b), 10);
      for (let from = b + 1; from < end; rank++) {
        let to = src.indexOf(' ', from);
        if (to < 0 || to > end) to = end;
        if (to > from) fn(rank, from, to);
        else rank--; // two spaces: no token
        from = to + 1;
      }
    }
    i = end + 1;
  }
}

const BASE64 = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) BASE64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;

function base64Bytes(src: string, from: number, to: number): number {
  while (to > from && src.charCodeAt(to - 1) === 61) to--; // '='
  return Math.floor(((to - from) * 6) / 8);
}

/** Decodes base64 src[from, to) into out at `at`; returns the byte count. */
function decodeBase64(src: string, from: number, to: number, out: Uint8Array, at: number): number {
  let bits = 0;
  let value = 0;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = BASE64[src.charCodeAt(i)] ?? -1;
    if (d < 0) continue; // '=' padding
    value = (value << 6) | d;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at + n++] = (value >> bits) & 0xff;
    }
  }
  return n;
}

function sameStored(v: { offsets: Int32Array; lengths: Int32Array; bytes: Uint8Array }, rank: number, at: number, length: number): boolean {
  if (v.lengths[rank] !== length) return false;
  const o = v.offsets[rank]!;
  for (let i = 0; i < length; i++) if (v.bytes[o + i] !== v.bytes[at + i]) return false;
  return true;
}

function sameBytes(offsets: Int32Array, lengths: Int32Array, table: Uint8Array, rank: number, s: string, start: number, end: number): boolean {
  if (lengths[rank] !== end - start) return false;
  const at = offsets[rank]! - start;
  for (let i = start; i < end; i++) if (table[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

const encoders = new Map<EncodingName, Promise<BpeEncoder>>();

/** The BPE encoder of an encoding, built once per thread (counting threads get the table from the pool instead). */
export function getBpeEncoder(name: EncodingName): Promise<BpeEncoder> {
  let pending = encoders.get(name);
  if (!pending) {
    pending = (async () => {
      const file = name === 'o200k_base'
        ? (await import('js-tiktoken/ranks/o200k_base')).default
        : (await import('js-tiktoken/ranks/cl100k_base')).default;
      return BpeEncoder.build(name, file as RankFile);
    })();
    encoders.set(name, pending);
  }
  return pending;
}
