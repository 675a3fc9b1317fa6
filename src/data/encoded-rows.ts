// Rows as UTF-8 JSONL bytes with the offsets of their prompt and completion: how the load thread hands its records
// to the stages after it in a streaming pass (as rows.ts EncodedRow). A consumer that reads the bytes copies
// lines and splices texts without decoding or re-encoding them, and parses a row only when it must.
import { bytesDigestWords } from './digest-table.ts';
import { isChat } from './records.ts';
import type { DataRecord } from './records.ts';

const QUOTE = 34;
const BACKSLASH = 92;
const PROMPT_HEAD = Buffer.from('{"prompt":"');
const COMPLETION_HEAD = Buffer.from('","completion":"');

/**
 * A chunk of rows. Row i is bytes[starts[i] .. starts[i+1] - 1), exactly JSON.stringify(record) in UTF-8 (each row
 * is followed by a newline byte). `fields` has four offsets per row into `bytes`: where the prompt's JSON string
 * content starts and ends (between its quotes, still escaped), then the same for the completion; all -1 when the
 * line does not start `{"prompt":"…","completion":"…"` or the record is chat (it has `messages`).
 */
export class EncodedRows {
  bytes: Buffer;
  starts: Int32Array;
  fields: Int32Array;
  /** Per row: the record's `_row`, -1 when it has none (see row()). */
  rows: Int32Array;
  /** Per row: the index of the record's `_file` in `files`, or -1. */
  fileIds: Int32Array;
  files: string[];
  /**
   * Per row with fields, 4 words: the digest DigestTable.addBytes() gives the prompt's JSON content (computed by
   * the source, on its thread). Absent when not computed.
   */
  promptKeys: Uint32Array | undefined;
  /**
   * Per row with fields: a number the source gives each distinct completion (the same number, the same completion,
   * in every chunk of the source), so consumers can remember what a completion became; -1 for the others. Absent
   * when not given.
   */
  completionIds: Int32Array | undefined;
  count: number;

  constructor(parts: Pick<EncodedRows, 'bytes' | 'starts' | 'fields' | 'rows' | 'fileIds' | 'files' | 'promptKeys' | 'completionIds' | 'count'>) {
    this.bytes = parts.bytes;
    this.starts = parts.starts;
    this.fields = parts.fields;
    this.rows = parts.rows;
    this.fileIds = parts.fileIds;
    this.files = parts.files;
    this.promptKeys = parts.promptKeys;
    this.completionIds = parts.completionIds;
    this.count = parts.count;
  }

  /** Row i's line as a string (JSON.stringify of its record). */
  line(i: number): string {
    return this.bytes.toString('utf8', this.starts[i]!, this.starts[i + 1]! - 1);
  }

  /** Row i's record, parsed from its line. */
  record(i: number): DataRecord {
    return JSON.parse(this.line(i)) as DataRecord;
  }

  /** Row i's `_row`. */
  row(i: number): number | undefined {
    const row = this.rows[i]!;
    return row < 0 ? undefined : row;
  }

  /** Row i's `_file`. */
  file(i: number): string | undefined {
    const id = this.fileIds[i]!;
    return id < 0 ? undefined : this.files[id];
  }

  /** Row i's line as bytes (a view, without the newline). */
  lineBytes(i: number): Uint8Array {
    return this.bytes.subarray(this.starts[i]!, this.starts[i + 1]! - 1);
  }
}

/** What a consumer works out once per distinct completion (see EncodedRows.completionIds). */
export class CompletionMemo<T> {
  private readonly known: (T | undefined)[] = [];

  /** What was remembered for row i's completion, if anything. */
  get(rows: EncodedRows, i: number): T | undefined {
    const n = rows.completionIds ? rows.completionIds[i]! : -1;
    return n >= 0 ? this.known[n] : undefined;
  }

  /** Remembers `value` for row i's completion, when the source numbered it. */
  set(rows: EncodedRows, i: number, value: T): void {
    const n = rows.completionIds ? rows.completionIds[i]! : -1;
    if (n >= 0) this.known[n] = value;
  }
}

/** Where the JSON string whose content starts at `from` ends: the index of its closing quote (-1 before `limit`). */
export function stringEnd(bytes: Buffer, from: number, limit: number): number {
  for (let q = bytes.indexOf(QUOTE, from); q >= 0 && q < limit; q = bytes.indexOf(QUOTE, q + 1)) {
    let backslashes = 0;
    for (let k = q - 1; k >= from && bytes[k] === BACKSLASH; k--) backslashes += 1;
    if ((backslashes & 1) === 0) return q;
  }
  return -1;
}

/**
 * Writes the four field offsets of the line bytes[start .. end) into fields[at .. at+4): the contents of its
 * `prompt` and `completion` strings when the line starts `{"prompt":"…","completion":"…"`, else -1s.
 */
export function findFields(bytes: Buffer, start: number, end: number, fields: Int32Array, at: number): void {
  fields.fill(-1, at, at + 4);
  if (!startsWith(bytes, start, end, PROMPT_HEAD)) return;
  const ps = start + PROMPT_HEAD.length;
  const pe = stringEnd(bytes, ps, end);
  if (pe < 0 || !startsWith(bytes, pe, end, COMPLETION_HEAD)) return;
  const cs = pe + COMPLETION_HEAD.length;
  const ce = stringEnd(bytes, cs, end);
  if (ce < 0) return;
  fields[at] = ps;
  fields[at + 1] = pe;
  fields[at + 2] = cs;
  fields[at + 3] = ce;
}

function startsWith(bytes: Buffer, at: number, end: number, head: Buffer): boolean {
  if (end - at < head.length) return false;
  for (let k = 0; k < head.length; k++) if (bytes[at + k] !== head[k]) return false;
  return true;
}

/** The JSON string content of `text` in UTF-8: JSON.stringify(text) without its quotes. */
export function escapedBytes(text: string): Buffer {
  const json = JSON.stringify(text);
  return Buffer.from(json.slice(1, -1), 'utf8');
}

/** The string whose JSON content (escaped, between quotes) is bytes[start .. end). */
export function decodeField(bytes: Buffer, start: number, end: number): string {
  return JSON.parse(bytes.toString('utf8', start - 1, end + 1)) as string;
}

/** True when `text` has a UTF-16 surrogate: splicing escaped texts is only exact without them. */
export function hasSurrogate(text: string): boolean {
  return /[\ud800-\udfff]/.test(text);
}

/** A writer that can copy the UTF-8 bytes of the line it wrote last (JsonlWriter). */
export interface WrittenLine {
  /** Copies the last line's bytes (without newline) into target at `at`; returns their count, or -1 when it no longer has them. */
  copyLastLine(target: Uint8Array, at: number): number;
}

/** Distinct completions a source numbers (EncodedRows.completionIds): labels repeat, free text does not. */
export const MAX_COMPLETION_IDS = 10_000;

/** Initial room of a chunk; a chunk is sent once it holds this many bytes. */
export const CHUNK_BYTES = 1 << 16;

/**
 * Builds EncodedRows chunks from lines as they are written (the load thread). add() copies a line's bytes, finds
 * its fields and notes its row and file; take() returns the chunk and starts the next one.
 */
export class EncodedRowsBuilder {
  private bytes = Buffer.from(new ArrayBuffer(CHUNK_BYTES));
  private used = 0;
  private starts = new Int32Array(1024);
  private fields = new Int32Array(4 * 1024);
  private rows = new Int32Array(1024);
  private fileIds = new Int32Array(1024);
  private promptKeys = new Uint32Array(4 * 1024);
  private completionIds = new Int32Array(1024);
  /** Completion numbers, for the whole source. */
  private readonly completionNumbers = new Map<string, number>();
  /** Whether the rows added from now on get promptKeys (else the consumer hashes their prompts itself). */
  hashPrompts = true;
  private hashed = true;
  private files: string[] = [];
  private fileIndex = new Map<string, number>();
  count = 0;

  /** Bytes held so far. */
  get size(): number {
    return this.used;
  }

  /**
   * Adds a row whose line (JSON.stringify(record)) was just written by `written`: its bytes are copied from there,
   * or encoded again when the writer no longer has them.
   */
  add(record: DataRecord, line: string, written?: WrittenLine): void {
    const i = this.count;
    if (i + 2 > this.starts.length) this.growRows();
    const maxBytes = line.length * 3;
    if (this.used + maxBytes + 1 > this.bytes.length) this.growBytes(this.used + maxBytes + 1);
    const start = this.used;
    const copied = written ? written.copyLastLine(this.bytes, start) : -1;
    const end = start + (copied >= 0 ? copied : this.bytes.write(line, start, 'utf8'));
    this.bytes[end] = 10;
    this.used = end + 1;
    this.starts[i] = start;
    this.starts[i + 1] = this.used;
    const f = this.fields;
    if (isChat(record)) f.fill(-1, i * 4, i * 4 + 4);
    else findFields(this.bytes, start, end, f, i * 4);
    this.completionIds[i] = -1;
    if (i === 0) this.hashed = this.hashPrompts;
    if (f[i * 4]! >= 0) {
      if (this.hashed) bytesDigestWords(this.bytes, f[i * 4]!, f[i * 4 + 1]!, this.promptKeys, i * 4);
      this.completionIds[i] = this.completionNumber(record.completion!);
    }
    this.rows[i] = typeof record._row === 'number' ? record._row : -1;
    this.fileIds[i] = record._file === undefined ? -1 : this.fileId(record._file);
    this.count = i + 1;
  }

  /** The rows so far (their buffers can be transferred), and a fresh builder state. */
  take(): EncodedRows {
    const n = this.count;
    const rows = new EncodedRows({
      bytes: this.bytes.subarray(0, this.used), starts: this.starts.slice(0, n + 1), fields: this.fields.slice(0, n * 4),
      rows: this.rows.slice(0, n), fileIds: this.fileIds.slice(0, n), files: this.files,
      promptKeys: this.hashed ? this.promptKeys.slice(0, n * 4) : undefined, completionIds: this.completionIds.slice(0, n), count: n,
    });
    this.bytes = Buffer.from(new ArrayBuffer(Math.max(CHUNK_BYTES, this.bytes.length)));
    this.used = 0;
    this.count = 0;
    this.files = [];
    this.fileIndex = new Map();
    return rows;
  }

  private completionNumber(completion: string): number {
    let id = this.completionNumbers.get(completion);
    if (id === undefined && this.completionNumbers.size < MAX_COMPLETION_IDS) this.completionNumbers.set(completion, (id = this.completionNumbers.size));
    return id ?? -1;
  }

  private fileId(file: string): number {
    let id = this.fileIndex.get(file);
    if (id === undefined) this.fileIndex.set(file, (id = this.files.push(file) - 1));
    return id;
  }

  private growRows(): void {
    const n = this.starts.length * 2;
    const grow = (a: Int32Array<ArrayBuffer>, per: number): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(n * per);
      b.set(a);
      return b;
    };
    this.starts = grow(this.starts, 1);
    this.fields = grow(this.fields, 4);
    this.rows = grow(this.rows, 1);
    this.fileIds = grow(this.fileIds, 1);
    this.completionIds = grow(this.completionIds, 1);
    const keys = new Uint32Array(n * 4);
    keys.set(this.promptKeys);
    this.promptKeys = keys;
  }

  private growBytes(need: number): void {
    const bigger = Buffer.from(new ArrayBuffer(Math.max(need, this.bytes.length * 2)));
    this.bytes.copy(bigger, 0, 0, this.used);
    this.bytes = bigger;
  }
}
