// Token counting per example: a pure function over a chunk of records, so it can move to worker threads.
import type { Tiktoken } from 'js-tiktoken/lite';
import type { DataRecord } from '../data/records.ts';

/** Token counts of one example. */
export interface ExampleTokens {
  /** Tokens the example costs in training (chat: OpenAI cookbook formula). */
  total: number;
  /** Tokens per role: `prompt`/`completion`, or chat roles' content. */
  roles: Record<string, number>;
  /** Id of the first token of the completion (last assistant message for chat); -1 when empty. */
  firstToken: number;
}

/** Cookbook constants: 3 tokens per message, 1 more for a name, 3 priming the reply. */
export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_PER_NAME = 1;
export const TOKENS_PER_CONVERSATION = 3;

/** Distinct pre-tokenizer pieces remembered per cache; beyond this, new pieces are encoded every time. */
const MAX_CACHED_PIECES = 500_000;
const splitters = new WeakMap<Tiktoken, RegExp>();

/**
 * Encodes a text. With a cache, the text is split by the encoding's own pre-tokenizer regex and each piece's
 * BPE ids are looked up in `cache` (tiktoken encodes pieces independently, so this is exact); a piece that
 * the regex would split differently on its own makes the whole text go through `enc.encode`.
 */
export function encodeText(enc: Tiktoken, text: string, cache: Map<string, number[]> = new Map()): number[] {
  let splitter = splitters.get(enc);
  if (!splitter) splitters.set(enc, (splitter = new RegExp((enc as unknown as { patStr: string }).patStr, 'gu')));
  const ids: number[] = [];
  splitter.lastIndex = 0;
  for (let m = splitter.exec(text); m !== null; m = splitter.exec(text)) {
    const piece = m[0];
    let pieceIds = cache.get(piece);
    if (pieceIds === undefined) {
      pieceIds = encodePiece(enc, piece);
      if (cache.size < MAX_CACHED_PIECES) cache.set(piece, pieceIds);
    }
    if (pieceIds.length === 0 && piece.length > 0) return enc.encode(text, [], []);
    for (let i = 0; i < pieceIds.length; i++) ids.push(pieceIds[i]!);
  }
  return ids;
}

/**
 * Pieces longer than this are encoded in slices of this size (the fastest size measured). BPE time grows with the square of a piece's
 * length (one unbroken 8,000-letter "word" took 4 s, 50 MB would take days; sliced: about 9 s per MB of such a word); slicing makes it linear at the
 * cost of at most about one extra token per slice boundary, which errs on the safe side for limits and cost.
 */
export const LONG_PIECE_CHARS = 128;

/** BPE ids of one piece, or [] when the pre-tokenizer would not keep it whole on its own. */
function encodePiece(enc: Tiktoken, piece: string): number[] {
  const whole = new RegExp((enc as unknown as { patStr: string }).patStr, 'u').exec(piece);
  if (whole === null || whole[0] !== piece) return [];
  if (piece.length <= LONG_PIECE_CHARS) return enc.encode(piece, [], []);
  const ids: number[] = [];
  let start = 0;
  while (start < piece.length) {
    let end = Math.min(piece.length, start + LONG_PIECE_CHARS);
    const code = piece.charCodeAt(end - 1);
    if (end < piece.length && code >= 0xd800 && code <= 0xdbff) end -= 1; // never split a surrogate pair
    for (const id of enc.encode(piece.slice(start, end), [], [])) ids.push(id);
    start = end;
  }
  return ids;
}

/** Counts tokens for each record of a chunk. */
export function countExampleTokens(records: DataRecord[], enc: Tiktoken, cache?: Map<string, number[]>): ExampleTokens[] {
  return records.map((record) => (Array.isArray(record.messages) ? countChat(record, enc, cache) : countPair(record, enc, cache)));
}

function countPair(record: DataRecord, enc: Tiktoken, cache?: Map<string, number[]>): ExampleTokens {
  const prompt = encodeText(enc, record.prompt ?? '', cache).length;
  const completionIds = encodeText(enc, record.completion ?? '', cache);
  return { total: prompt + completionIds.length, roles: { prompt, completion: completionIds.length }, firstToken: completionIds[0] ?? -1 };
}

/** OpenAI cookbook `num_tokens_from_messages`: every string value of every message is encoded. */
function countChat(record: DataRecord, enc: Tiktoken, cache?: Map<string, number[]>): ExampleTokens {
  let total = TOKENS_PER_CONVERSATION;
  const roles: Record<string, number> = {};
  let firstToken = -1;
  for (const message of record.messages!) {
    total += TOKENS_PER_MESSAGE;
    for (const [key, value] of Object.entries(message)) {
      if (typeof value !== 'string') continue;
      const ids = encodeText(enc, value, cache);
      total += ids.length;
      if (key === 'name') total += TOKENS_PER_NAME;
      if (key === 'content') {
        roles[message.role] = (roles[message.role] ?? 0) + ids.length;
        if (message.role === 'assistant') firstToken = ids[0] ?? -1;
      }
    }
  }
  return { total, roles, firstToken };
}
