// Refuses source paths that are not regular files (a FIFO, /dev/zero, a socket) before anything opens them.
import { statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { DataError } from '../errors.ts';

/**
 * Why `path` cannot be read as a source file, as a phrase that follows its name ("data.fifo is a named pipe
 * (FIFO), not a regular file (...)"), or undefined for a regular file or a missing path (whose open names it).
 * A pipe or device must be refused before it is opened: opening a FIFO waits for a writer, and /dev/zero never
 * ends, so hashing or loading it would hold the project lock forever. stat() follows symbolic links, so a link
 * to /dev/zero is refused too.
 */
export function notRegularFileReason(path: string): string | undefined {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (stats === undefined || stats.isFile()) return undefined;
  if (stats.isDirectory()) return 'is a folder, not a file';
  return `is ${describeKind(stats)}, not a regular file (copy the data into a file: a source is hashed and then read to its end, which a pipe or device never reaches)`;
}

/** Throws a DataError `DISPLAY is a named pipe (FIFO), not a regular file (...)` when `path` is not a regular file. */
export function assertRegularFile(path: string, display: string = path): void {
  const reason = notRegularFileReason(path);
  if (reason !== undefined) throw new DataError(`${display} ${reason}`);
}

function describeKind(stats: Stats): string {
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'a special file';
}
