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

/** Bytes buffered before a write: small enough that nothing lands in V8's large-object space. */
const BUFFER_BYTES = 1 << 16;

/** Buffered JSONL writer: `await write(record)` per record, `await close()` once. Encodes straight into one reused buffer. */
export class JsonlWriter {
  private handle: FileHandle | undefined;
  private readonly buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;
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
        this.handle ??= await open(this.path, 'w');
        await this.handle.write(json + '\n');
        this.count += 1;
        return;
      }
    }
    this.used += this.buffer.write(json, this.used, 'utf8');
    this.buffer[this.used++] = 10;
    this.count += 1;
  }

  private async flush(): Promise<void> {
    this.handle ??= await open(this.path, 'w');
    if (this.used > 0) await this.handle.write(this.buffer, 0, this.used);
    this.used = 0;
  }

  /** Flushes and closes; creates an empty file when nothing was written. */
  async close(): Promise<void> {
    await this.flush();
    await this.handle!.close();
    this.handle = undefined;
  }
}

/** Writes a JSON document with sorted-insertion order kept, 2-space indent and a final newline. */
export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path, JSON.stringify(value, null, 2) + '\n');
}
