// countTokens' batch scans when it has more than one counting thread: this thread and N - 1 worker threads, which
// share the rank table and the token-count table (SharedArrayBuffers). Each `scan` resolves with its own batch.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { DataError } from '../errors.ts';
import type { EncodingName } from './encoding.ts';
import { getBpeEncoder } from './bpe.ts';
import type { BpeData } from './bpe.ts';
import type { CountTable, CountTableData } from './count-table.ts';
import type { LineChunk } from '../data/line-chunks.ts';
import { scanBatch } from './scan-batch.ts';
import type { BatchScan } from './scan-batch.ts';
import { AS_IS } from './count.ts';
import type { Conversion } from './format.ts';
import { TextCounter } from './text-counter.ts';

/** The default number of counting threads: one per core, at most 8; 1 means no worker threads. */
export function getDefaultWorkers(): number {
  return Math.min(8, availableParallelism());
}

const WORKER_URL = new URL(`./count-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

/**
 * Batches a worker may have queued before this thread counts the next one itself: enough that a worker finishing a
 * batch never waits for the next message, few enough that the work left at the end stays spread over every thread.
 */
const AHEAD = 3;

/** Messages to a counting worker. */
export type WorkerRequest =
  | { type: 'encoder'; data: BpeData }
  | { type: 'cache'; table: CountTableData }
  | { type: 'scan'; id: number; chunk: LineChunk; path: string };

interface CountingWorker {
  thread: Worker;
  outstanding: number;
}

interface Job {
  id: number;
  chunk: LineChunk;
  path: string;
  resolve(scan: BatchScan): void;
  reject(error: Error): void;
}

/**
 * A pool of counting threads; `scan` may be called many times before awaiting. Jobs wait in one queue: workers
 * are topped up to AHEAD batches first, and this thread counts the next job itself only when they are, one job
 * per turn of the event loop, so that workers' replies (and file reads) are handled between its batches.
 */
export class TokenCountPool {
  private readonly encoding: EncodingName;
  private readonly limit: number;
  private readonly conv: Conversion;
  private readonly workers: CountingWorker[] = [];
  private readonly pending = new Map<number, Job & { worker: CountingWorker }>();
  private readonly jobs: Job[] = [];
  private counter: Promise<TextCounter> | undefined;
  private local: TextCounter | undefined;
  private pumping = false;
  private table: CountTable | undefined;
  private next = 0;
  private failure: Error | undefined;
  /** Texts found in / missing from the persistent cache, over all threads. */
  hits = 0;
  misses = 0;
  /** Batches counted in this thread (the rest went to workers). */
  countedHere = 0;
  /** Called with blocks of the count table that a thread has filled (their entries are complete). */
  onFilled: ((blocks: number[]) => void) | undefined;

  /**
   * `threads`: counting threads including this one; `limit`: the per-example token limit (examples above it are
   * listed); `conv`: the line each record is counted as (what upload writes; default: the record as it is).
   */
  constructor(encoding: EncodingName, threads: number, limit: number, conv: Conversion = AS_IS) {
    this.encoding = encoding;
    this.limit = limit;
    this.conv = conv;
    for (let i = 1; i < threads; i++) this.workers.push({ thread: this.startWorker(), outstanding: 0 });
    if (this.workers.length > 0) {
      // The threads start while this one builds the rank table, then share it instead of building their own.
      getBpeEncoder(encoding).then((enc) => {
        const message: WorkerRequest = { type: 'encoder', data: enc.data() };
        for (const w of this.workers) w.thread.postMessage(message);
      }, (error: unknown) => this.fail(error as Error));
    }
  }

  /** Number of counting threads (1: everything is counted in this thread). */
  get size(): number {
    return this.workers.length + 1;
  }

  /**
   * Counts texts through `table` (by digest; the persistent cache's counts loaded, this run's added by every thread).
   * Call before the first scan.
   */
  useCache(table: CountTable): void {
    this.table = table;
    const message: WorkerRequest = { type: 'cache', table: table.data() };
    for (const w of this.workers) w.thread.postMessage(message);
  }

  /** Scans a chunk of JSONL lines of `path`; its bytes may move to a thread (unusable here afterwards). */
  scan(chunk: LineChunk, path: string): Promise<BatchScan> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<BatchScan>((resolve, reject) => {
      this.jobs.push({ id: this.next++, chunk, path, resolve, reject });
      this.pump();
    });
  }

  /** Stops the threads; scans not done yet are rejected. */
  async close(): Promise<void> {
    this.fail(new Error('token counting was stopped'));
    await Promise.all(this.workers.map((w) => w.thread.terminate()));
    this.workers.length = 0;
  }

  /** Hands out queued jobs: to workers below AHEAD, then (on a later turn) one to this thread. */
  private pump(): void {
    if (this.failure) return;
    for (const w of this.workers) {
      while (w.outstanding < AHEAD && this.jobs.length > 0) this.post(w, this.jobs.shift()!);
    }
    if (this.jobs.length === 0 || this.pumping) return;
    this.pumping = true;
    if (this.local) setImmediate(() => this.countOne());
    else this.localCounter().then(() => this.countOne(), (error: unknown) => this.fail(error as Error));
  }

  /** Counts the next queued job in this thread, unless a worker has room for it by now. */
  private countOne(): void {
    this.pumping = false;
    if (this.failure) return;
    for (const w of this.workers) if (w.outstanding < AHEAD && this.jobs.length > 0) this.post(w, this.jobs.shift()!);
    const job = this.jobs.shift();
    if (job) {
      const counter = this.local!;
      const { hits, misses } = counter;
      try {
        job.resolve(scanBatch(job.chunk, job.path, counter, this.limit, this.conv));
      } catch (error) {
        job.reject(error as Error);
      }
      this.countedHere += 1;
      this.hits += counter.hits - hits;
      this.misses += counter.misses - misses;
      if (this.table) this.filled(this.table.takeFilled());
    }
    this.pump();
  }

  private post(worker: CountingWorker, job: Job): void {
    worker.outstanding += 1;
    this.pending.set(job.id, { ...job, worker });
    const message: WorkerRequest = { type: 'scan', id: job.id, chunk: job.chunk, path: job.path };
    worker.thread.postMessage(message, [job.chunk.bytes.buffer as ArrayBuffer]);
  }

  private localCounter(): Promise<TextCounter> {
    this.counter ??= getBpeEncoder(this.encoding).then((enc) => (this.local = new TextCounter(enc, { table: this.table })));
    return this.counter;
  }

  private filled(blocks: number[]): void {
    if (blocks.length > 0) this.onFilled?.(blocks);
  }

  private startWorker(): Worker {
    const worker = new Worker(WORKER_URL, { workerData: { limit: this.limit, conv: this.conv } });
    worker.unref();
    worker.on('message', (m: { id: number; scan?: BatchScan; hits?: number; misses?: number; filled?: number[]; error?: string; dataError?: boolean }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (p) p.worker.outstanding -= 1;
      if (m.scan) {
        this.hits += m.hits ?? 0;
        this.misses += m.misses ?? 0;
        if (m.filled) this.filled(m.filled);
        p?.resolve(m.scan);
      } else p?.reject(m.dataError ? new DataError(m.error!) : new Error(`token counting thread: ${m.error}`));
      this.pump();
    });
    worker.on('error', (error: Error) => this.fail(error));
    return worker;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    for (const job of this.jobs.splice(0)) job.reject(error);
  }
}
