// Worker thread of TokenCountPool: decodes and scans chunks of JSONL (parse, count, tallies), replies with plain data.
import { parentPort, workerData } from 'node:worker_threads';
import { DataError } from '../errors.ts';
import { getEncoding } from './encoding.ts';
import type { EncodingName } from './encoding.ts';
import { decodeLines } from './line-chunks.ts';
import type { LineChunk } from './line-chunks.ts';
import { scanBatch } from './scan-batch.ts';

const data = workerData as { encoding: EncodingName; limit: number };
const encoding = getEncoding(data.encoding);
const cache = new Map<string, number[]>();

parentPort!.on('message', async (m: { id: number; chunk: LineChunk; path: string }) => {
  try {
    const scan = scanBatch(decodeLines(m.chunk, m.path), m.chunk.first, m.path, await encoding, cache, data.limit);
    parentPort!.postMessage({ id: m.id, scan }, { transfer: [scan.total.buffer as ArrayBuffer] });
  } catch (error) {
    parentPort!.postMessage({ id: m.id, error: (error as Error).message, dataError: error instanceof DataError });
  }
});
