// Hashing helpers: sha256 of bytes, files and canonical JSON.
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';

/** sha256 hex of a string or bytes. */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Files at least this large are hashed in a thread, so the main thread goes on meanwhile. */
const THREAD_MIN_BYTES = 32 << 20;

/** The hashing thread: hashes the files it is sent, one after another, with the same loop as hashFileHere. */
const HASH_THREAD = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const buffer = Buffer.allocUnsafe(1 << 20);
parentPort.on('message', ({ id, path }) => {
  try {
    const hash = createHash('sha256');
    let bytes = 0;
    const fd = openSync(path, 'r');
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
    parentPort.postMessage({ id, hash: hash.digest('hex'), bytes });
  } catch (error) {
    parentPort.postMessage({ id, error: error.message });
  }
});
`;

/** One hashing thread for the process, started on first use; it does not keep the process alive. */
let hasher: { worker: Worker; next: number; pending: Map<number, { resolve(v: { hash: string; bytes: number }): void; reject(e: Error): void }> } | undefined;

function hashInThread(path: string): Promise<{ hash: string; bytes: number }> {
  if (!hasher) {
    const worker = new Worker(HASH_THREAD, { eval: true });
    const state = { worker, next: 0, pending: new Map() };
    worker.unref();
    worker.on('message', (m: { id: number; hash?: string; bytes?: number; error?: string }) => {
      const p = state.pending.get(m.id);
      state.pending.delete(m.id);
      if (state.pending.size === 0) worker.unref();
      if (m.error !== undefined) p?.reject(new Error(m.error));
      else p?.resolve({ hash: m.hash!, bytes: m.bytes! });
    });
    worker.on('error', (error) => {
      for (const p of state.pending.values()) p.reject(error);
      hasher = undefined;
    });
    hasher = state;
  }
  const h = hasher;
  const id = h.next++;
  h.worker.ref();
  return new Promise((resolve, reject) => {
    h.pending.set(id, { resolve, reject });
    h.worker.postMessage({ id, path });
  });
}

/** sha256 hex and byte size of a file; large files are hashed in the hashing thread. */
export async function hashFile(path: string): Promise<{ hash: string; bytes: number }> {
  let size = 0;
  try {
    size = (await stat(path)).size;
  } catch {
    // hashFileHere reports the error
  }
  return size < THREAD_MIN_BYTES ? hashFileHere(path) : hashInThread(path);
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
