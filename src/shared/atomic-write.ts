// Crash-safe file writes (temp file in the same folder, fsync, rename, fsync the folder): the one implementation
// for the store, the engine, stages, the validator cache and the local server.
import { open } from 'node:fs/promises';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** A temp path beside `target`, so a rename onto target is atomic. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** fsync a file or folder by path. */
export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsync a file by path on libuv's thread pool, so the event loop keeps running while the disk catches up. */
export async function fsyncPathAsync(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsyncs a folder so a rename in it survives a power cut (a no-op where folders cannot be opened). */
export function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms (Windows) cannot fsync a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Writes `data` (bytes, text as UTF-8, or parts written in order) to `target` so that readers see either the old
 * or the new bytes, never a torn file. Creates the folder. On failure the temp file is removed and target is untouched.
 */
export function writeFileAtomic(target: string, data: string | Uint8Array | Uint8Array[]): void {
  const dir = dirname(target);
  mkdirSync(dir, { recursive: true });
  const tmp = tempPathFor(target);
  try {
    const fd = openSync(tmp, 'w');
    try {
      const parts = typeof data === 'string' ? [Buffer.from(data, 'utf8')] : Array.isArray(data) ? data : [data];
      for (const part of parts) {
        let offset = 0;
        while (offset < part.byteLength) offset += writeSync(fd, part, offset, part.byteLength - offset);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
  syncDir(dir);
}
