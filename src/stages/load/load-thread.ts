// Runs loadFiles in a worker thread, so that in a streaming pass the main thread only runs the later stages:
// reading, parsing and writing the source happen on another core. Small sources load in this thread.
import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { TunefileError } from '../../errors.ts';
import type { ErrorCode } from '../../errors.ts';
import { loadFiles } from './load.ts';
import type { LoadOptions, LoadOutputs, LoadReport } from './load.ts';
import type { LoadWorkerData, LoadWorkerMessage } from './load-worker.ts';
import { EncodedRows } from '../../data/encoded-rows.ts';
import { EncodedRow, recordRow } from '../../data/rows.ts';
import type { RowSink } from '../../data/rows.ts';

const WORKER_URL = new URL(`./load-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

/** Below this many source bytes, a thread's start-up costs more than it saves. */
export const THREAD_MIN_BYTES = 8 << 20;

/**
 * loadFiles, in a worker thread when the sources are large and `next` is given (a streaming pass): the lines it
 * writes come back here as bytes (EncodedRows) and go to `next` in order as rows that are parsed only when a
 * consumer needs the record. Same outputs and report either way.
 */
export async function loadFilesThreaded(
  options: LoadOptions,
  outputs: LoadOutputs,
  progress: ((n: number) => void) | undefined,
  next: RowSink | undefined,
  signal: AbortSignal,
): Promise<LoadReport> {
  const bytes = options.sources.reduce((sum, s) => sum + sizeOf(s.path), 0);
  if (!next || bytes < THREAD_MIN_BYTES) return loadFiles(options, outputs, progress, next && { push: (record, line) => next.push(recordRow(record, line)) });
  const counters = new SharedArrayBuffer(8);
  const consumed = new Int32Array(counters);
  const worker = new Worker(WORKER_URL, { workerData: { options, outputs, forward: true, counters } satisfies LoadWorkerData });
  return new Promise<LoadReport>((resolve, reject) => {
    let settled = false;
    const settle = (error: unknown, report?: LoadReport) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      void worker.terminate();
      if (report) resolve(report);
      else reject(error);
    };
    // A plain error: the engine names the stage (`pipeline.yaml:load: interrupted`), as for any stage.
    const onAbort = () => settle(new Error('interrupted'));
    signal.addEventListener('abort', onAbort);
    let queue = Promise.resolve();
    worker.on('message', (m: LoadWorkerMessage) => {
      queue = queue.then(async () => {
        if (settled) return;
        if (m.type === 'rows') {
          await pushRows(restore(m.rows), next);
          Atomics.add(consumed, 1, 1);
          Atomics.notify(consumed, 1);
        } else if (m.type === 'progress') progress?.(m.n);
        else if (m.type === 'done') settle(undefined, m.report);
        else settle(new TunefileError((m.code ?? 'TUNEFILE_INTERNAL') as ErrorCode, m.message, { details: m.details, hint: m.hint }));
      }).catch((error: unknown) => settle(error));
    });
    worker.on('error', (error) => settle(error));
    // Messages sent before the thread ended are handled first: 'done' settles before this does.
    worker.on('exit', (code) => {
      queue = queue.then(() => settle(new TunefileError('TUNEFILE_INTERNAL', `load: the loading thread stopped (exit code ${code})`)));
    });
  });
}

/** A chunk as received (a structured clone: plain object, Uint8Array), as EncodedRows again. */
function restore(sent: EncodedRows): EncodedRows {
  const bytes = Buffer.from(sent.bytes.buffer, sent.bytes.byteOffset, sent.bytes.byteLength);
  return new EncodedRows({ ...sent, bytes });
}

/** Each row of the chunk to `next`, as bytes (parsed only if the next stage asks for the record). */
async function pushRows(rows: EncodedRows, next: RowSink): Promise<void> {
  for (let i = 0; i < rows.count; i++) await next.push(new EncodedRow(rows, i));
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
