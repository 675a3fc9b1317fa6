// Crash-safe file writes (temp file in the same folder, fsync, rename) and tolerant reads.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Writes `data` to `path` so that readers see the old bytes or the new ones, never a torn file. */
export function writeFileAtomic(path: string, data: string | Uint8Array | Uint8Array[]): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temp, 'w');
  try {
    const parts = typeof data === 'string' ? [Buffer.from(data, 'utf8')] : Array.isArray(data) ? data : [data];
    for (const part of parts) {
      let offset = 0;
      while (offset < part.byteLength) offset += writeSync(fd, part, offset, part.byteLength - offset);
    }
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(temp, path);
  syncDir(dir);
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

/** Writes JSON atomically, pretty-printed for people who look inside the data folder. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/** Parsed JSON of a file, or undefined when the file does not exist. */
export function readJsonIfExists<T>(path: string): T | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return JSON.parse(text) as T;
}

/** A record (job.json, file.json) that cannot be used: left untouched on disk, named in the log and in errors. */
export interface UnreadableRecord {
  id: string;
  path: string;
  problem: string;
}

/** A JSON record file read at start: its value, why it cannot be used, or undefined when it does not exist. */
export type RecordRead<T> = { value: T } | { problem: string } | undefined;

/**
 * Reads a JSON record (job.json, file.json) without throwing on bad content: garbage, a truncated file or a
 * hand edit that breaks the shape is returned as a problem, so the server can name the file and serve the rest.
 */
export function readJsonRecord<T>(path: string, shapeProblem: (value: unknown) => string | undefined): RecordRead<T> {
  let value: unknown;
  try {
    value = readJsonIfExists<unknown>(path);
  } catch (error) {
    // SyntaxError for bad JSON, or an I/O error such as EACCES: either way this one record is unusable.
    return { problem: (error as Error).message };
  }
  if (value === undefined) return undefined;
  const problem = shapeProblem(value);
  return problem === undefined ? { value: value as T } : { problem };
}
