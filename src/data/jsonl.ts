// JSONL datasets: a streaming reader and a buffered writer (one record per line).
import { open, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { DataError } from '../errors.ts';
import { readLineBatches } from './text-lines.ts';
import type { DataRecord } from './records.ts';

/** Yields batches of records from a JSONL dataset artifact (blank lines are skipped). */
export async function* readRecordBatches(path: string, displayPath = path): AsyncGenerator<DataRecord[]> {
  for await (const batch of readLineBatches(path, { displayPath })) {
    const records: DataRecord[] = [];
    for (let i = 0; i < batch.lines.length; i++) {
      const text = batch.lines[i]!;
      if (text === '') continue;
      try {
        records.push(JSON.parse(text) as DataRecord);
      } catch (error) {
        throw new DataError(`${displayPath}:${batch.first + i}: invalid JSON (${(error as Error).message})`);
      }
    }
    if (records.length > 0) yield records;
  }
}

/** Yields the records of a JSONL dataset one by one. */
export async function* readRecords(path: string, displayPath = path): AsyncGenerator<DataRecord> {
  for await (const batch of readRecordBatches(path, displayPath)) yield* batch;
}

/** Reads a whole JSONL dataset into memory (small files and tests only). */
export async function readAllRecords(path: string): Promise<DataRecord[]> {
  const all: DataRecord[] = [];
  for await (const batch of readRecordBatches(path)) all.push(...batch);
  return all;
}

const NEWLINE_BYTE = new Uint8Array([10]);

/**
 * Bytes buffered before a write. The buffers live outside V8's heap and are reused; larger writes mean fewer syscalls
 * and thread-pool hand-offs, and 256 KiB was where a larger size stopped gaining (BENCHMARKS.md history).
 */
const BUFFER_BYTES = 1 << 18;

/**
 * Buffered JSONL writer: `await write(record)` per record, `await close()` once. Encodes straight into one of two
 * reused buffers; one buffer is written to the file while the other fills.
 */
export class JsonlWriter {
  private handle: FileHandle | undefined;
  private buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private spare = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;
  private writing: Promise<void> | undefined;
  private failure: unknown;
  private closed = false;
  /** Where the last line is in `buffer` (lastEnd < 0: it was written straight to the file). */
  private lastStart = 0;
  private lastEnd = -1;
  /** Records written so far. */
  count = 0;
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  /** Appends one record (JSON.stringify, one line). */
  async write(record: unknown): Promise<void> {
    await this.writeLine(JSON.stringify(record));
  }

  /** Appends a line that is already JSON (no re-serialization). */
  async writeLine(json: string): Promise<void> {
    const worst = json.length * 3 + 1;
    if (this.used + worst > BUFFER_BYTES) {
      await this.flush();
      if (worst > BUFFER_BYTES) {
        await this.settle();
        await this.handle!.write(json + '\n');
        this.lastEnd = -1;
        this.count += 1;
        return;
      }
    }
    this.lastStart = this.used;
    this.used += this.buffer.write(json, this.used, 'utf8');
    this.lastEnd = this.used;
    this.buffer[this.used++] = 10;
    this.count += 1;
  }

  /** Appends a line given as UTF-8 bytes (without its newline), copied as is: bytes[start .. end). */
  async writeBytes(bytes: Uint8Array, start = 0, end = bytes.length): Promise<void> {
    const length = end - start;
    if (this.used + length + 1 > BUFFER_BYTES) {
      await this.flush();
      if (length + 1 > BUFFER_BYTES) {
        await this.settle();
        await this.handle!.write(Buffer.concat([bytes.subarray(start, end), NEWLINE_BYTE]));
        this.lastEnd = -1;
        this.count += 1;
        return;
      }
    }
    this.buffer.set(bytes.subarray(start, end), this.used);
    this.lastStart = this.used;
    this.used += length;
    this.lastEnd = this.used;
    this.buffer[this.used++] = 10;
    this.count += 1;
  }

  /** Copies the UTF-8 bytes of the line written last (without newline) into target at `at`: their count, or -1 if gone. */
  copyLastLine(target: Uint8Array, at: number): number {
    if (this.lastEnd < 0) return -1;
    this.buffer.copy(target, at, this.lastStart, this.lastEnd);
    return this.lastEnd - this.lastStart;
  }

  /** Waits for the write in flight, then starts writing the filled buffer and swaps in the other one. */
  private async flush(): Promise<void> {
    this.handle ??= await open(this.path, 'w');
    await this.settle();
    if (this.used === 0) return;
    const full = this.buffer;
    const bytes = this.used;
    this.buffer = this.spare;
    this.spare = full;
    this.used = 0;
    this.lastEnd = -1;
    this.writing = this.handle.write(full, 0, bytes).then(() => undefined, (error: unknown) => void (this.failure = error));
  }

  private async settle(): Promise<void> {
    if (this.writing) await this.writing;
    this.writing = undefined;
    if (this.failure !== undefined) throw this.failure;
  }

  /** Flushes and closes; creates an empty file when nothing was written. A second call does nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.flush();
      await this.settle();
    } finally {
      await this.handle?.close();
      this.handle = undefined;
    }
  }
}

/** Marks a LazyJsonArray. */
export const LAZY_JSON_ARRAY = Symbol('tunefile.lazyJsonArray');

/** A long list kept outside JS arrays (typed columns) that writeJson writes as a JSON array, element by element. */
export interface LazyJsonArray {
  readonly [LAZY_JSON_ARRAY]: true;
  readonly length: number;
  at(i: number): unknown;
  toJSON(): unknown[];
}

function isLazyArray(value: unknown): value is LazyJsonArray {
  return typeof value === 'object' && value !== null && (value as Partial<LazyJsonArray>)[LAZY_JSON_ARRAY] === true;
}

/** Arrays longer than this are written element by element instead of as one string. */
const STREAM_ARRAY_MIN = 256;

/**
 * Writes a JSON document exactly as `JSON.stringify(value, null, 2) + "\n"` would, with insertion order kept;
 * long arrays (a dedupe report's 10^5 removed rows) are streamed element by element, so no document-sized string is built.
 */
export async function writeJson(path: string, value: unknown): Promise<void> {
  if (!hasLongArray(value, 0)) {
    await writeFile(path, JSON.stringify(value, null, 2) + '\n');
    return;
  }
  const handle = await open(path, 'w');
  try {
    let parts: string[] = [];
    let size = 0;
    for (const part of streamJson(value, '')) {
      parts.push(part);
      size += part.length;
      if (size >= 1 << 15) {
        await handle.write(parts.join(''));
        parts = [];
        size = 0;
      }
    }
    parts.push('\n');
    await handle.write(parts.join(''));
  } finally {
    await handle.close();
  }
}

/** True when a plain array longer than STREAM_ARRAY_MIN sits in the first levels of `value`. */
function hasLongArray(value: unknown, depth: number): boolean {
  if (isLazyArray(value)) return true;
  if (depth > 3 || value === null || typeof value !== 'object' || typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(value)) return value.length > STREAM_ARRAY_MIN;
  return Object.values(value).some((v) => hasLongArray(v, depth + 1));
}

/** Elements per JSON.stringify call when an array is streamed. */
const STREAM_BATCH = 512;

/**
 * A streamed array: runs of elements without long arrays of their own are written STREAM_BATCH at a time, as the
 * middle of JSON.stringify(run, null, 2) indented to this depth (one call and one replace per run, not per element).
 */
function* streamArray(length: number, at: (i: number) => unknown, indent: string): Generator<string> {
  if (length === 0) {
    yield '[]';
    return;
  }
  const inner = `${indent}  `;
  let written = 0;
  let run: unknown[] = [];
  const writeRun = (): string => {
    // JSON.stringify([a, b], null, 2) is "[\n  A,\n  B\n]": the part between the brackets, one level deeper.
    const middle = JSON.stringify(run, null, 2).slice(2, -2);
    const text = `${written === 0 ? '' : ','}\n${indent}${indent === '' ? middle : middle.replace(/\n/g, `\n${indent}`)}`;
    written += run.length;
    run = [];
    return text;
  };
  yield '[';
  for (let i = 0; i < length; i++) {
    const element = at(i);
    if (!hasLongArray(element, 0)) {
      run.push(element);
      if (run.length >= STREAM_BATCH) yield writeRun();
      continue;
    }
    if (run.length > 0) yield writeRun();
    yield `${written === 0 ? '' : ','}\n${inner}`;
    yield* streamJson(element, inner);
    written += 1;
  }
  if (run.length > 0) yield writeRun();
  yield `\n${indent}]`;
}

/** JSON.stringify(value, null, 2) in pieces; `indent` is the current line's indentation. */
function* streamJson(value: unknown, indent: string): Generator<string> {
  if (isLazyArray(value)) {
    yield* streamArray(value.length, (i) => value.at(i), indent);
    return;
  }
  if (value === null || typeof value !== 'object' || typeof (value as { toJSON?: unknown }).toJSON === 'function' || !hasLongArray(value, 0)) {
    yield (JSON.stringify(value, null, 2) ?? 'null').replace(/\n/g, `\n${indent}`);
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    yield* streamArray(value.length, (i) => value[i], indent);
    return;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol');
  if (entries.length === 0) {
    yield '{}';
    return;
  }
  yield '{';
  for (let i = 0; i < entries.length; i++) {
    const [k, v] = entries[i]!;
    yield `${i === 0 ? '' : ','}\n${inner}${JSON.stringify(k)}: `;
    yield* streamJson(v, inner);
  }
  yield `\n${indent}}`;
}
