// Rows: how records flow from one data stage to the next. A row gives its record, its JSONL line and (when its
// producer has them) its UTF-8 bytes with field offsets, each only when asked for, so a consumer that works on bytes
// never parses and one that needs the record never re-encodes. The byte path is a property of the row: every
// consumer has one push(row).
import { DataError } from '../errors.ts';
import type { EncodedRows } from './encoded-rows.ts';
import type { DataRecord } from './records.ts';
import { readLineBatches } from './text-lines.ts';

/** One dataset row. */
export interface Row {
  /** The record, parsed from the line on first use. */
  readonly record: DataRecord;
  /** The JSONL line (without its newline), made from the record on first use. */
  readonly line: string;
  /**
   * `line` is exactly JSON.stringify(record), as every stage writes its rows; false for a line read from a file, which
   * another program may have written (other spacing or escapes). A stage writes a row's line again only when it is
   * canonical (suffix, for a record it leaves unchanged), so a pass writes the same bytes as its stages one by one.
   */
  readonly canonical: boolean;
  /**
   * The chunk of bytes this row is row `index` of, when the producer hands rows over as bytes (the load thread, or
   * suffix splicing bytes): consumers that can work on the bytes read offsets from it instead of parsing.
   */
  readonly encoded: EncodedRows | undefined;
  readonly index: number;
}

/** A row from a JSONL line, a record, or both; what is missing is made on first use. */
export class PlainRow implements Row {
  private text: string | undefined;
  private parsed: DataRecord | undefined;
  readonly canonical: boolean;
  /** The line's number in its file, for the error on invalid JSON (0: not from a file). */
  private readonly lineNumber: number;
  readonly encoded = undefined;
  readonly index = 0;

  constructor(line: string | undefined, record: DataRecord | undefined, canonical: boolean, lineNumber = 0) {
    this.text = line;
    this.parsed = record;
    this.canonical = canonical || line === undefined;
    this.lineNumber = lineNumber;
  }

  get line(): string {
    return (this.text ??= JSON.stringify(this.parsed));
  }

  get record(): DataRecord {
    if (this.parsed === undefined) {
      try {
        this.parsed = JSON.parse(this.text!) as DataRecord;
      } catch (error) {
        throw new DataError(`dataset:${this.lineNumber}: invalid JSON (${(error as Error).message})`);
      }
    }
    return this.parsed;
  }
}

/** A row of `record`, written by a stage as `line` (JSON.stringify(record), made on first use when not given). */
export function recordRow(record: DataRecord, line?: string): Row {
  return new PlainRow(line, record, true);
}

/** Row `index` of a chunk of bytes; its line and record are decoded from the bytes on first use. */
export class EncodedRow implements Row {
  readonly canonical = true;
  readonly encoded: EncodedRows;
  readonly index: number;
  private text: string | undefined;
  private parsed: DataRecord | undefined;

  constructor(rows: EncodedRows, index: number) {
    this.encoded = rows;
    this.index = index;
  }

  get line(): string {
    return (this.text ??= this.encoded.line(this.index));
  }

  get record(): DataRecord {
    return (this.parsed ??= JSON.parse(this.line) as DataRecord);
  }
}

/** Where a data stage sends its rows: the next stage of a pass. */
export interface RowSink<R = unknown> {
  push(row: Row): Promise<void> | void;
  /**
   * Every row has been pushed, and the upstream output file is complete and closed: finish (a second look at the
   * rows happens here), push any rows not pushed yet to the next stage, and close the outputs. It does not end the
   * next stage: whoever runs the pass ends the stages one by one, in order.
   */
  end(): Promise<R>;
  /** The pass failed elsewhere: close files; nothing more is pushed. */
  abort?(): Promise<void>;
}

/**
 * The rows of a JSONL file in batches, in order (blank lines are skipped), each parsed only when asked. `canonical`:
 * the file was written from rows that all were (a stage's second look at its input in end()).
 */
export async function* fileRows(path: string, canonical = false): AsyncGenerator<Row[]> {
  for await (const batch of readLineBatches(path, { displayPath: 'dataset' })) {
    const { lines, first } = batch;
    const rows: Row[] = [];
    for (let i = 0; i < lines.length; i++) if (lines[i] !== '') rows.push(new PlainRow(lines[i]!, undefined, canonical, first + i));
    yield rows;
  }
}

/** Pushes every row of a JSONL file into `sink`: how the first stage of a pass that is not a source is fed. */
export async function pushFileRows(path: string, sink: Pick<RowSink, 'push'>): Promise<void> {
  for await (const rows of fileRows(path)) for (const row of rows) await sink.push(row);
}
