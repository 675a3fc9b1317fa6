// Tokencheck's batch scans across worker threads (or in this thread); each `scan` resolves with its own batch.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { DataError } from '../errors.ts';
import type { EncodingName } from './encoding.ts';
import { getEncoding } from './encoding.ts';
import { decodeLines } from './line-chunks.ts';
import type { LineChunk } from './line-chunks.ts';
import { scanBatch } from './scan-batch.ts';
import type { BatchScan } from './scan-batch.ts';

/** The default worker count: one per core, at most 8; 1 means no worker threads. */
export function getDefaultWorkers(): number {
  return Math.min(8, availableParallelism());
}

const WORKER_URL = new URL(`./count-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

interface Pending {
  resolve(scan: BatchScan): void;
  reject(error: Error): void;
}

/** A pool of counting threads; `scan` may be called many times before awaiting. */
export class TokenCountPool {
  private readonly encoding: EncodingName;
  private readonly limit: number;
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly cache = new Map<string, number[]>();
  private next = 0;
  private failure: Error | undefined;

  /** `limit`: the per-example token limit (examples above it are listed). */
  constructor(encoding: EncodingName, workers: number, limit: number) {
    this.encoding = encoding;
    this.limit = limit;
    for (let i = 0; i < workers && workers > 1; i++) this.workers.push(this.startWorker());
  }

  /** Number of worker threads (0: counting happens in this thread). */
  get size(): number {
    return this.workers.length;
  }

  /** Scans a chunk of JSONL lines of `path`; its bytes move to the thread (unusable here afterwards). */
  async scan(chunk: LineChunk, path: string): Promise<BatchScan> {
    if (this.failure) throw this.failure;
    if (this.workers.length === 0) return scanBatch(decodeLines(chunk, path), chunk.first, path, await getEncoding(this.encoding), this.cache, this.limit);
    const id = this.next++;
    const worker = this.workers[id % this.workers.length]!;
    return new Promise<BatchScan>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, chunk, path }, [chunk.bytes.buffer as ArrayBuffer]);
    });
  }

  /** Stops the threads. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }

  private startWorker(): Worker {
    const worker = new Worker(WORKER_URL, { workerData: { encoding: this.encoding, limit: this.limit } });
    worker.unref();
    worker.on('message', (m: { id: number; scan?: BatchScan; error?: string; dataError?: boolean }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.scan) p?.resolve(m.scan);
      else p?.reject(m.dataError ? new DataError(m.error!) : new Error(`token counting thread: ${m.error}`));
    });
    worker.on('error', (error: Error) => this.fail(error));
    return worker;
  }

  private fail(error: Error): void {
    this.failure = error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}
