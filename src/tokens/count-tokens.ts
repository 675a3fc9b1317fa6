// The one way into token counting: JSONL fine-tuning files counted as billed, batch by batch in input order. It hides
// the counting threads (count-pool.ts), the count cache in state.db (count-cache.ts, count-table.ts) and the tokenizer:
// tiktoken's BPE (bpe.ts, text-counter.ts; the encoder getEncoding returns, one per encoding per thread), or an open
// model's Hugging Face tokenizer (hf-tokenizer.ts, hf-counter.ts), which stands in for it.
import { statSync } from 'node:fs';
import { readLineChunks } from '../data/line-chunks.ts';
import type { ChunkLog } from '../store/chunk-log.ts';
import { getBpeEncoder } from './bpe.ts';
import { countCacheName, CountSaver, loadCounts, MAX_CACHED_TEXTS } from './count-cache.ts';
import type { CountIdentity, LoadedCounts } from './count-cache.ts';
import { getDefaultWorkers, TokenCountPool } from './count-pool.ts';
import { AS_IS } from './count.ts';
import type { EncodingName } from './encoding.ts';
import type { Conversion } from './format.ts';
import { HfTextCounter } from './hf-counter.ts';
import type { HfTokenizer } from './hf-tokenizer.ts';
import { scanBatch } from './scan-batch.ts';
import type { BatchScan } from './scan-batch.ts';
import { TextCounter } from './text-counter.ts';
import type { TokenCounter } from './text-counter.ts';

export type { ChunkLog } from '../store/chunk-log.ts';
export type { BatchScan } from './scan-batch.ts';

/** Inputs (all files together) under this size are counted in the calling thread unless `workers` says otherwise. */
const SMALL_INPUT_BYTES = 4 << 20;

export interface CountOptions {
  /**
   * Called with each batch of consecutive examples (non-blank lines) and the index of its file in `files`, in input
   * order: every batch of the first file, then of the next.
   */
  each(batch: BatchScan, file: number): void;
  /** The line each record is counted as (what upload writes). @default the record as it is */
  conversion?: Conversion;
  /** Examples above this many tokens are listed in their batch's `overLimit`. @default no limit */
  limit?: number;
  /**
   * Counting threads, the calling one included; 1 counts in the calling thread only, without a pool. A Hugging Face
   * tokenizer always counts in the calling thread.
   * @default one per core (at most 8), or 1 for inputs under 4 MB
   */
  workers?: number;
  /**
   * The token-count cache: opens a chunk log by name (state.db's `chunks`). Texts are then looked up by digest, and
   * new counts are appended as they are counted; the counts are the same with or without it.
   */
  cache?(name: string): ChunkLog;
}

/** What the token-count cache did in one count. */
export interface CountCacheStats {
  /** Entries loaded from state.db. */
  loaded: number;
  /** Texts found in it / counted anew (repeats of a new text within the run are neither). */
  hits: number;
  misses: number;
  /** New entries written back (0 when the write failed; counting itself never fails for the cache). */
  saved: number;
  /** The stored cache was unusable (foreign, older format or damaged) and was replaced. */
  replaced: boolean;
}

export interface CountSummary {
  /** Counting threads used (1: the calling thread only). */
  threads: number;
  /** With `cache`: what it did. */
  cache?: CountCacheStats;
}

/**
 * Counts the tokens of JSONL fine-tuning files (blank lines skipped) with `tokenizer` (a tiktoken encoding, or an open
 * model's Hugging Face tokenizer, whose chat template renders chat lines), each record as the line `conversion`
 * makes of it: per example, per role, each answer's first token. Throws DataError on a missing file, invalid JSON or
 * invalid UTF-8 (with file and line), or a conversation the chat template refuses (with its row).
 */
export async function countTokens(files: readonly string[], tokenizer: EncodingName | HfTokenizer, o: CountOptions): Promise<CountSummary> {
  const inputBytes = sizeOf(files);
  const conv = o.conversion ?? AS_IS;
  const limit = o.limit ?? Infinity;
  if (typeof tokenizer !== 'string') {
    // A Hugging Face tokenizer counts in this thread only: it is an object graph that @huggingface/tokenizers builds
    // from tokenizer.json (Qwen3's: 0.3 s and ~60 MB of heap), which cannot be shared with worker threads as the BPE
    // rank table is (a SharedArrayBuffer), so each worker would build its own; short texts count at ~35,000 a second.
    const log = o.cache?.(countCacheName(tokenizer.id));
    return countHere(files, tokenizer, conv, limit, o.each, log, inputBytes);
  }
  const encoding = tokenizer;
  const threads = Math.max(1, o.workers ?? (inputBytes < SMALL_INPUT_BYTES ? 1 : getDefaultWorkers()));
  const log = o.cache?.(countCacheName(encoding));
  if (threads === 1) return countHere(files, encoding, conv, limit, o.each, log, inputBytes);
  const pool = new TokenCountPool(encoding, threads, limit, conv);
  let loaded: LoadedCounts | undefined;
  let saver: CountSaver | undefined;
  try {
    if (log) {
      const enc = await getBpeEncoder(encoding); // being built for the pool anyway; its fingerprint is in the cache's key
      loaded = loadCounts(log, enc, spareFor(inputBytes));
      pool.useCache(loaded.table);
      const s = (saver = new CountSaver(log, enc, loaded.table, loaded.replace));
      pool.onFilled = (blocks) => s.add(blocks);
    }
    for (let i = 0; i < files.length; i++) await scanFile(files[i]!, i, pool, o.each);
  } finally {
    await pool.close();
  }
  return { threads, ...(saver && loaded ? { cache: finish(saver, loaded, pool.hits, pool.misses) } : {}) };
}

/** Every batch counted in this thread, as it is read: no pool, no worker, no queue. */
async function countHere(files: readonly string[], tokenizer: EncodingName | HfTokenizer, conv: Conversion, limit: number, each: CountOptions['each'], log: ChunkLog | undefined, inputBytes: number): Promise<CountSummary> {
  const bpe = typeof tokenizer === 'string' ? await getBpeEncoder(tokenizer) : undefined;
  const hf = typeof tokenizer === 'string' ? undefined : tokenizer;
  // The cache's identity: the BPE encoder (its name and rank file), or the Hugging Face tokenizer (a hash of its files).
  const id: CountIdentity = bpe ?? { name: hf!.id, fingerprint: hf!.fingerprint };
  const loaded = log ? loadCounts(log, id, spareFor(inputBytes)) : undefined;
  const saver = log && loaded ? new CountSaver(log, id, loaded.table, loaded.replace) : undefined;
  const table = loaded?.table;
  const counter: TokenCounter = bpe ? new TextCounter(bpe, { table }) : new HfTextCounter(hf!, { table });
  for (let i = 0; i < files.length; i++) {
    const path = files[i]!;
    for await (const chunk of readLineChunks(path)) {
      each(scanBatch(chunk, path, counter, limit, conv), i);
      if (saver) {
        const blocks = loaded!.table.takeFilled();
        if (blocks.length > 0) saver.add(blocks);
      }
    }
  }
  return { threads: 1, ...(saver && loaded ? { cache: finish(saver, loaded, counter.hits, counter.misses) } : {}) };
}

/** Streams one file through the pool: batches are queued enough ahead to keep every thread busy, and handed on in order. */
async function scanFile(path: string, file: number, pool: TokenCountPool, each: CountOptions['each']): Promise<void> {
  const queue: Promise<BatchScan>[] = [];
  try {
    for await (const chunk of readLineChunks(path)) {
      const pending = pool.scan(chunk, path);
      pending.catch(() => {});
      queue.push(pending);
      while (queue.length > 4 * (pool.size + 1)) each(await queue.shift()!, file);
    }
    while (queue.length > 0) each(await queue.shift()!, file);
  } finally {
    queue.length = 0;
  }
}

/** Writes what is left of the run's new counts, and says what the cache did. */
function finish(saver: CountSaver, loaded: LoadedCounts, hits: number, misses: number): CountCacheStats {
  const saved = saver.finish();
  return { loaded: loaded.table.loaded, hits, misses, saved: saved ?? 0, replaced: loaded.replace && saved !== undefined };
}

/** Room for every text of this run, as far as the inputs' size tells (a text takes at least ~24 bytes of JSONL). */
function spareFor(inputBytes: number): number {
  return Math.min(MAX_CACHED_TEXTS, Math.ceil(inputBytes / 24));
}

/** Total size of the inputs (a missing file counts 0: reading it reports the error). */
function sizeOf(paths: readonly string[]): number {
  let bytes = 0;
  for (const p of paths) bytes += statSync(p, { throwIfNoEntry: false })?.size ?? 0;
  return bytes;
}
