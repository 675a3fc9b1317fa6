// JSONL as raw byte chunks cut at line ends (transferable to threads without copying), and their decoding to lines.
import { open } from 'node:fs/promises';
import { DataError } from '../errors.ts';
import { splitAtNewlines } from './text-lines.ts';

/** A chunk of whole lines: its bytes (final newline excluded; own ArrayBuffer) and 1-based number of its first line. */
export interface LineChunk {
  bytes: Uint8Array;
  first: number;
}

const NEWLINE = 10;

function countNewlines(bytes: Uint8Array): number {
  let n = 0;
  for (let i = bytes.indexOf(NEWLINE); i >= 0; i = bytes.indexOf(NEWLINE, i + 1)) n += 1;
  return n;
}

/** Yields ~`chunkBytes` chunks of whole lines of a file (a UTF-8 BOM at the start is dropped). */
export async function* readLineChunks(path: string, chunkBytes = 1 << 20): AsyncGenerator<LineChunk> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new DataError(`${path}: file not found`, { cause: error });
    throw error;
  }
  // The next block is read while the consumer works on the current chunk (one read in flight at a time). A line longer
  // than a block is carried into a block at least twice its size, so a 50 MB line is copied O(1) times per byte.
  const readBlock = (carry: Uint8Array) => {
    const size = Math.max(chunkBytes, carry.length);
    const buf = new Uint8Array(carry.length + size);
    buf.set(carry);
    return handle.read(buf, carry.length, size, null).then(({ bytesRead }) => ({ buf, end: carry.length + bytesRead, eof: bytesRead === 0 }));
  };
  let next: ReturnType<typeof readBlock> | undefined;
  try {
    let line = 1;
    let atStart = true;
    next = readBlock(new Uint8Array(0));
    for (;;) {
      const { buf, end, eof } = await next!;
      next = undefined;
      let from = 0;
      if (atStart && end >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) from = 3;
      if (end > from) atStart = false;
      const last = eof ? end : buf.lastIndexOf(NEWLINE, end - 1);
      if (last < from) {
        next = readBlock(buf.slice(from, end));
        continue;
      }
      const bytes = buf.subarray(from, last);
      const first = line;
      line += countNewlines(bytes) + 1;
      if (!eof) next = readBlock(buf.slice(Math.min(last + 1, end), end));
      // The consumer may transfer `buf` to a thread, so nothing reads it after the yield.
      if (bytes.length > 0 || last < end) yield { bytes, first };
      if (eof) return;
    }
  } finally {
    await next?.catch(() => undefined);
    await handle.close();
  }
}

/**
 * Calls `fn` with each line of a chunk (CR before LF removed) and its line number, decoding strict UTF-8 in pieces of
 * at most ~64 KiB: only one piece's lines are alive at a time (small strings, cheap young-generation GCs).
 */
export function forEachLine(chunk: LineChunk, path: string, fn: (line: string, lineNumber: number) => void): void {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let line = chunk.first;
  for (const piece of splitAtNewlines(chunk.bytes)) {
    let text: string;
    try {
      text = decoder.decode(piece);
    } catch {
      throw new DataError(`${path}:${line + countNewlines(piece.subarray(0, firstInvalid(piece)))}: invalid UTF-8`);
    }
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      fn(l.length > 0 && l.charCodeAt(l.length - 1) === 13 ? l.slice(0, -1) : l, line++);
    }
  }
}

/** The lines of a chunk (CR before LF removed), decoded as strict UTF-8. */
export function decodeLines(chunk: LineChunk, path: string): string[] {
  const lines: string[] = [];
  forEachLine(chunk, path, (l) => lines.push(l));
  return lines;
}

/** Offset of the first line end before which the bytes stop being valid UTF-8 (a line-level search). */
function firstInvalid(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let start = 0;
  for (;;) {
    const end = bytes.indexOf(NEWLINE, start);
    try {
      decoder.decode(bytes.subarray(start, end < 0 ? bytes.length : end));
    } catch {
      return start;
    }
    if (end < 0) return bytes.length;
    start = end + 1;
  }
}
