// Worker thread of TokenCountPool: scans batches of JSONL lines (parse, count, tallies) and replies with plain data.
import { parentPort, workerData } from 'node:worker_threads';
import { DataError } from '../errors.ts';
import { getEncoding } from './encoding.ts';
import type { EncodingName } from './encoding.ts';
import { scanBatch } from './scan-batch.ts';

const data = workerData as { encoding: EncodingName; limit: number };
const encoding = getEncoding(data.encoding);
const cache = new Map<string, number[]>();

parentPort!.on('message', async (m: { id: number; lines: string[]; first: number; path: string }) => {
  try {
    const scan = scanBatch(m.lines, m.first, m.path, await encoding, cache, data.limit);
    parentPort!.postMessage({ id: m.id, scan }, { transfer: [scan.total.buffer as ArrayBuffer] });
  } catch (error) {
    parentPort!.postMessage({ id: m.id, error: (error as Error).message, dataError: error instanceof DataError });
  }
});
