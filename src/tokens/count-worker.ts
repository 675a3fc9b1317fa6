// Worker thread of TokenCountPool: decodes and scans chunks of JSONL (parse, count, tallies), replies with plain data.
import { parentPort, workerData } from 'node:worker_threads';
import { DataError } from '../errors.ts';
import { BpeEncoder } from './bpe.ts';
import { CountTable } from './count-table.ts';
import type { WorkerRequest } from './count-pool.ts';
import type { Conversion } from './format.ts';
import { scanBatch } from './scan-batch.ts';
import { TextCounter } from './text-counter.ts';

const data = workerData as { limit: number; conv: Conversion };
let useEncoder: (enc: BpeEncoder) => void;
/** The pool sends its rank table first (and the count table, when there is one), then batches. */
const encoder = new Promise<BpeEncoder>((resolve) => (useEncoder = resolve));
let table: CountTable | undefined;
let counter: TextCounter | undefined;

parentPort!.on('message', async (m: WorkerRequest) => {
  if (m.type === 'encoder') {
    useEncoder(new BpeEncoder(m.data));
    return;
  }
  if (m.type === 'cache') {
    table = new CountTable(0, { data: m.table });
    return;
  }
  try {
    const enc = await encoder;
    counter ??= new TextCounter(enc, { table });
    const { hits, misses } = counter;
    const scan = scanBatch(m.chunk, m.path, counter, data.limit, data.conv);
    const filled = table?.takeFilled();
    parentPort!.postMessage({ id: m.id, scan, hits: counter.hits - hits, misses: counter.misses - misses, filled }, { transfer: [scan.total.buffer as ArrayBuffer] });
  } catch (error) {
    parentPort!.postMessage({ id: m.id, error: (error as Error).message, dataError: error instanceof DataError });
  }
});
