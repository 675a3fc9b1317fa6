// The load thread: runs loadFiles off the main thread; with `forward`, sends the written rows back as EncodedRows
// chunks (the lines' bytes and their fields), at most MAX_IN_FLIGHT unconsumed at a time (the main thread
// acknowledges each through the shared counters).
import { parentPort, workerData } from 'node:worker_threads';
import { TunefileError } from '../../errors.ts';
import { loadFiles } from './load.ts';
import type { LoadedRecords, LoadOptions, LoadOutputs } from './load.ts';
import { CHUNK_BYTES, EncodedRowsBuilder } from '../../data/encoded-rows.ts';
import type { EncodedRows } from '../../data/encoded-rows.ts';

export interface LoadWorkerData {
  options: LoadOptions;
  outputs: LoadOutputs;
  forward: boolean;
  /** Int32 [chunks sent, chunks consumed]. */
  counters: SharedArrayBuffer;
}

/** Messages to the main thread. */
export type LoadWorkerMessage =
  | { type: 'rows'; rows: EncodedRows }
  | { type: 'progress'; n: number }
  | { type: 'done'; report: Awaited<ReturnType<typeof loadFiles>> }
  | { type: 'error'; message: string; code?: string; details?: string[]; hint?: string };

export const MAX_IN_FLIGHT = 8;

const data = workerData as LoadWorkerData;
const port = parentPort!;
const counters = new Int32Array(data.counters);
const builder = new EncodedRowsBuilder();

function send(message: LoadWorkerMessage): void {
  port.postMessage(message);
}

function flush(): void {
  if (builder.count === 0) return;
  for (;;) {
    const consumed = Atomics.load(counters, 1);
    if (Atomics.load(counters, 0) - consumed < MAX_IN_FLIGHT) break;
    Atomics.wait(counters, 1, consumed, 1000);
  }
  Atomics.add(counters, 0, 1);
  const rows = builder.take();
  const transfer = [rows.bytes.buffer, rows.starts.buffer, rows.fields.buffer, rows.rows.buffer, rows.fileIds.buffer, rows.completionIds!.buffer, ...(rows.promptKeys ? [rows.promptKeys.buffer] : [])];
  port.postMessage({ type: 'rows', rows } satisfies LoadWorkerMessage, transfer as ArrayBuffer[]);
  // Load balancing: this thread hashes the prompts of the next chunk only while the main thread is far behind (6 of
  // MAX_IN_FLIGHT chunks waiting); otherwise the main thread hashes them. On large inputs the main thread has the
  // lighter load, so hashing here sooner (from 2 or 4 chunks behind) made the pass slower (BENCHMARKS.md history).
  builder.hashPrompts = Atomics.load(counters, 0) - Atomics.load(counters, 1) >= 6;
}

const next: LoadedRecords | undefined = data.forward
  ? {
      push(record, line, written) {
        builder.add(record, line, written);
        if (builder.size >= CHUNK_BYTES) flush();
      },
    }
  : undefined;

try {
  const report = await loadFiles(data.options, data.outputs, (n) => send({ type: 'progress', n }), next);
  flush();
  send({ type: 'done', report });
} catch (error) {
  if (error instanceof TunefileError) send({ type: 'error', message: error.message, code: error.code, details: error.details, hint: error.hint });
  else send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
}
