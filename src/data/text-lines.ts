// Streams a text file as batches of lines: UTF-8 checked (or latin1/replace), BOM and CRLF removed.
import { createReadStream } from 'node:fs';
import { DataError } from '../errors.ts';
import { assertRegularFile } from '../shared/regular-file.ts';

/** How source bytes become text. `utf8` rejects invalid bytes; `replace` substitutes U+FFFD. */
export type TextEncoding = 'utf8' | 'latin1' | 'replace';

/** Consecutive lines of a file; `first` is the 1-based line number of `lines[0]`. */
export interface LineBatch {
  lines: string[];
  first: number;
}

export interface ReadLinesOptions {
  encoding?: TextEncoding;
  /** Path shown in error messages. @default the path */
  displayPath?: string;
  /** Bytes read at a time. @default 256 KiB (decoded in pieces of at most 64 KiB, see DECODE_BYTES) */
  chunkBytes?: number;
}

const NEWLINE = 10;
/** Bytes decoded into one string: small enough to stay out of V8's large-object space, which only full GCs free. */
export const DECODE_BYTES = 1 << 16;

/** Consecutive pieces of `bytes` of at most ~`max` bytes, cut at line ends (the newline between two pieces is dropped). */
export function* splitAtNewlines(bytes: Uint8Array, max: number = DECODE_BYTES): Generator<Uint8Array> {
  let start = 0;
  while (start <= bytes.length) {
    let end = bytes.length;
    if (end - start > max) {
      const cut = bytes.lastIndexOf(NEWLINE, start + max);
      end = cut >= start ? cut : bytes.indexOf(NEWLINE, start + max);
      if (end < 0) end = bytes.length;
    }
    yield bytes.subarray(start, end);
    start = end + 1;
  }
}

/** Yields the file's lines in batches (one per chunk read), so 10^6-line files never sit in memory. */
export async function* readLineBatches(path: string, options: ReadLinesOptions = {}): AsyncGenerator<LineBatch> {
  const encoding = options.encoding ?? 'utf8';
  const display = options.displayPath ?? path;
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  // The unfinished last line, as the chunks it spans: joined once when its newline comes (a 50 MB line is copied once,
  // not once per chunk).
  let pending: Buffer[] = [];
  let line = 1;
  let atStart = true;
  const decode = (bytes: Buffer, firstLine: number): string[] => {
    if (atStart) {
      atStart = false;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    }
    const text = decodeBytes(bytes, encoding, decoder, display, firstLine);
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      if (l.length > 0 && l.charCodeAt(l.length - 1) === 13) lines[i] = l.slice(0, -1);
    }
    return lines;
  };
  // Before the open: opening a FIFO blocks until a writer comes, and a device never ends.
  assertRegularFile(path, display);
  const stream = createReadStream(path, { highWaterMark: options.chunkBytes ?? 1 << 18 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const last = chunk.lastIndexOf(NEWLINE);
      if (last < 0) {
        pending.push(chunk);
        continue;
      }
      const whole = pending.length > 0 ? Buffer.concat([...pending, chunk.subarray(0, last)]) : chunk.subarray(0, last);
      pending = last + 1 < chunk.length ? [chunk.subarray(last + 1)] : [];
      for (const piece of splitAtNewlines(whole)) {
        const lines = decode(piece as Buffer, line);
        yield { lines, first: line };
        line += lines.length;
      }
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new DataError(`${display}: file not found`, { cause: error });
    throw error;
  }
  const carry = Buffer.concat(pending);
  if (carry.length > 0 || atStart) {
    const lines = carry.length > 0 ? decode(carry, line) : [];
    if (lines.length > 0) yield { lines, first: line };
  }
}

/** Decodes bytes, naming the first line with invalid UTF-8 when `encoding` is utf8. */
function decodeBytes(bytes: Buffer, encoding: TextEncoding, decoder: TextDecoder, display: string, firstLine: number): string {
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw nulByteError(bytes, nul, display, firstLine);
  if (encoding === 'latin1') return bytes.toString('latin1');
  if (encoding === 'replace') return bytes.toString('utf8');
  try {
    return decoder.decode(bytes);
  } catch {
    throw invalidUtf8Error(bytes, decoder, display, firstLine);
  }
}

/** Names the line of a NUL byte: text never holds one; binary and UTF-16 files do. */
function nulByteError(bytes: Buffer, at: number, display: string, firstLine: number): DataError {
  let line = firstLine;
  let start = 0;
  for (let i = bytes.indexOf(NEWLINE); i >= 0 && i < at; i = bytes.indexOf(NEWLINE, i + 1)) {
    line += 1;
    start = i + 1;
  }
  return new DataError(`${display}:${line}: NUL byte (0x00) at byte ${at - start + 1} of the line; this is not a text file`, {
    hint: 'binary or UTF-16 data? save the file as UTF-8 text',
  });
}

/** Finds the line and column of the first invalid UTF-8 sequence. */
function invalidUtf8Error(bytes: Buffer, decoder: TextDecoder, display: string, firstLine: number): DataError {
  let start = 0;
  let line = firstLine;
  while (start <= bytes.length) {
    const end = bytes.indexOf(NEWLINE, start);
    const slice = bytes.subarray(start, end < 0 ? bytes.length : end);
    try {
      decoder.decode(slice);
    } catch {
      const valid = Buffer.from(slice.toString('utf8').split('\uFFFD')[0] ?? '', 'utf8').length;
      const byte = slice[valid] ?? 0;
      return new DataError(
        `${display}:${line}: invalid UTF-8 (byte 0x${byte.toString(16).padStart(2, '0')} at byte ${valid + 1} of the line)`,
        { hint: "set `encoding: latin1` if the file is Latin-1/Windows-1252, or `encoding: replace` to substitute U+FFFD" },
      );
    }
    if (end < 0) break;
    start = end + 1;
    line += 1;
  }
  return new DataError(`${display}:${firstLine}: invalid UTF-8`);
}
