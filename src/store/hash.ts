// Hashing helpers: sha256 of bytes, files and canonical JSON.
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';

/** sha256 hex of a string or bytes. */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Files at least this large are hashed in a thread of their own, so several hash at once on several cores. */
const THREAD_MIN_BYTES = 32 << 20;

/** The hashing thread: the same loop as hashFileHere, synchronous (a thread has nothing else to do). */
const HASH_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const hash = createHash('sha256');
const buffer = Buffer.allocUnsafe(1 << 20);
let bytes = 0;
const fd = openSync(workerData, 'r');
try {
  for (;;) {
    const n = readSync(fd, buffer, 0, buffer.length, null);
    if (n === 0) break;
    hash.update(buffer.subarray(0, n));
    bytes += n;
  }
} finally {
  closeSync(fd);
}
parentPort.postMessage({ hash: hash.digest('hex'), bytes });
`;

/** sha256 hex and byte size of a file; large files are hashed in a worker thread. */
export async function hashFile(path: string): Promise<{ hash: string; bytes: number }> {
  let size = 0;
  try {
    size = (await stat(path)).size;
  } catch {
    // hashFileHere reports the error
  }
  if (size < THREAD_MIN_BYTES) return hashFileHere(path);
  return new Promise((resolve, reject) => {
    const worker = new Worker(HASH_THREAD, { eval: true, workerData: path });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`hashing ${path}: the thread stopped (exit code ${code})`)));
  });
}

/** sha256 hex and byte size of a file, streamed through one reused 1 MiB buffer (no per-chunk allocations). */
async function hashFileHere(path: string): Promise<{ hash: string; bytes: number }> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 20);
  let bytes = 0;
  const handle = await open(path, 'r');
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      bytes += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return { hash: hash.digest('hex'), bytes };
}

/** JSON with object keys sorted at every level and no whitespace: the basis of every key. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/** A deep copy of a JSON value with object keys sorted, for stable output. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}
