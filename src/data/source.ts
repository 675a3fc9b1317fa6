// Reads raw rows from a source file (jsonl, json, csv, tsv) as field maps, one batch per chunk.
import { extname } from 'node:path';
import { DataError } from '../errors.ts';
import { parseDelimited } from './csv.ts';
import type { QuoteStats } from './csv.ts';
import { splitJsonArray } from './json-array.ts';
import { isExactNumber, parseJsonExact } from './json-numbers.ts';
import { readLineBatches } from './text-lines.ts';
import type { TextEncoding } from './text-lines.ts';

export type SourceFormat = 'jsonl' | 'json' | 'csv' | 'tsv';

/** A raw source row: its fields, or why it could not be read. `raw` is the original text for rejects. */
export interface SourceRow {
  line: number;
  values?: Record<string, unknown>;
  error?: string;
  raw: string;
}

export interface SourceOptions {
  format: SourceFormat;
  displayPath: string;
  encoding?: TextEncoding;
  /** CSV/TSV: the first row names the columns. */
  header?: boolean;
  /** CSV/TSV: column names (replace the header's, or name a headerless file's columns). */
  columns?: string[];
  /** CSV/TSV: honour `"` quoting. */
  quote?: boolean;
  /** Override the delimiter (default `,` for csv, tab for tsv). */
  delimiter?: string;
  /** CSV/TSV: filled with quoting oddities (rows spanning lines, text after a closing quote). */
  quoteStats?: QuoteStats;
  /**
   * Called with the column names once known (CSV/TSV), before any row: `line` is the header's (or the first row's),
   * `fromHeader` whether the names are the header's own (not `columns:`, not 1, 2, ...). It may throw to stop.
   */
  onColumns?(names: string[], line: number, fromHeader: boolean): void;
}

const EXTENSIONS: Record<string, SourceFormat> = {
  '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.json': 'json', '.csv': 'csv', '.tsv': 'tsv', '.tab': 'tsv',
};

/** The format implied by a file name, or undefined. */
export function detectFormat(path: string): SourceFormat | undefined {
  return EXTENSIONS[extname(path).toLowerCase()];
}

/** Yields batches of raw rows from one source file. */
export async function* readSourceRows(path: string, options: SourceOptions): AsyncGenerator<SourceRow[]> {
  const lines = readLineBatches(path, { encoding: options.encoding ?? 'utf8', displayPath: options.displayPath });
  if (options.format === 'jsonl') yield* readJsonlRows(lines);
  else if (options.format === 'json') yield* readJsonRows(splitJsonArray(lines, options.displayPath));
  else yield* readDelimitedRows(lines, options);
}

async function* readJsonlRows(batches: ReturnType<typeof readLineBatches>): AsyncGenerator<SourceRow[]> {
  for await (const batch of batches) {
    const rows: SourceRow[] = [];
    for (let i = 0; i < batch.lines.length; i++) {
      const raw = batch.lines[i]!;
      if (raw.trim() === '') continue;
      rows.push(parseJsonRow(raw, batch.first + i));
    }
    if (rows.length > 0) yield rows;
  }
}

async function* readJsonRows(elements: AsyncIterable<{ text: string; line: number }[]>): AsyncGenerator<SourceRow[]> {
  for await (const batch of elements) yield batch.map((e) => parseJsonRow(e.text, e.line));
}

/** Parses one JSON object (numbers a double would change kept as written); an invalid or non-object value becomes an error row. */
function parseJsonRow(raw: string, line: number): SourceRow {
  let value: unknown;
  try {
    value = parseJsonExact(raw);
  } catch (error) {
    return { line, raw, error: `invalid JSON (${(error as Error).message})` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || isExactNumber(value)) {
    return { line, raw, error: `expected a JSON object, found ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}` };
  }
  return { line, raw, values: value as Record<string, unknown> };
}

async function* readDelimitedRows(batches: ReturnType<typeof readLineBatches>, options: SourceOptions): AsyncGenerator<SourceRow[]> {
  const delimiter = options.delimiter ?? (options.format === 'tsv' ? '\t' : ',');
  const quote = options.quote ?? true;
  let names: string[] | undefined = options.header === false ? options.columns : undefined;
  let announced = false;
  for await (const parsed of parseDelimited(batches, { delimiter, quote, displayPath: options.displayPath, stats: options.quoteStats })) {
    const rows: SourceRow[] = [];
    for (const { fields, line } of parsed) {
      if (!names && options.header !== false) {
        names = options.columns ?? fields.map((f) => f.trim());
        checkColumnNames(names, options.displayPath, line);
        announced = true;
        options.onColumns?.(names, line, options.columns === undefined);
        continue;
      }
      names ??= fields.map((_, i) => String(i + 1));
      if (!announced) {
        // Headerless: the names (from `columns:`, or 1, 2, ...) are announced with the first row.
        announced = true;
        options.onColumns?.(names, line, false);
      }
      const raw = fields.join(delimiter);
      if (fields.length !== names.length) {
        rows.push({ line, raw, error: `expected ${names.length} fields (${names.join(', ')}), found ${fields.length}` });
        continue;
      }
      const values: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) values[names[i]!] = fields[i];
      rows.push({ line, raw, values });
    }
    if (rows.length > 0) yield rows;
  }
}

function checkColumnNames(names: string[], displayPath: string, line: number): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new DataError(`${displayPath}:${line}: duplicate column name '${n}' in the header`, { hint: 'rename it, or give `columns:`' });
    seen.add(n);
  }
}
