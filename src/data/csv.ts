// Streaming CSV/TSV parsing on top of line batches: quoted fields may span lines; `quote: false` for raw TSV.
import { DataError } from '../errors.ts';
import type { LineBatch } from './text-lines.ts';

/** One parsed row; `line` is the 1-based line where it starts. */
export interface DelimitedRow {
  fields: string[];
  line: number;
}

export interface DelimitedOptions {
  delimiter: string;
  /** Honour `"` quoting (RFC 4180). Off for TSV files whose texts contain bare `"`. */
  quote: boolean;
  displayPath: string;
  /** Filled with quoting oddities that suggest `quote: false`. */
  stats?: QuoteStats;
}

/** Quoting oddities seen while parsing: rows spanning lines, text after a closing quote. */
export interface QuoteStats {
  multiline: number;
  malformed: number;
  firstMalformedLine?: number;
}

interface Pending {
  fields: string[];
  field: string;
  line: number;
  /** Text followed a closing quote in this row. */
  malformed?: boolean;
}

/** Turns line batches into row batches. Blank lines are skipped; quoted newlines become `\n`. */
export async function* parseDelimited(batches: AsyncIterable<LineBatch>, options: DelimitedOptions): AsyncGenerator<DelimitedRow[]> {
  const { delimiter, quote } = options;
  let pending: Pending | undefined;
  for await (const batch of batches) {
    const rows: DelimitedRow[] = [];
    for (let i = 0; i < batch.lines.length; i++) {
      const text = batch.lines[i]!;
      const line = batch.first + i;
      if (pending) {
        pending = continueQuoted(pending, '\n' + text, delimiter);
        if (pending.field !== IN_QUOTES_DONE) continue;
        noteRow(pending, options.stats, true);
        rows.push({ fields: pending.fields, line: pending.line });
        pending = undefined;
        continue;
      }
      if (text === '') continue;
      if (!quote || text.indexOf('"') < 0) {
        rows.push({ fields: text.split(delimiter), line });
        continue;
      }
      const state = parseQuotedLine(text, delimiter, line);
      if (state.field === IN_QUOTES_DONE) {
        noteRow(state, options.stats, false);
        rows.push({ fields: state.fields, line });
      } else pending = state;
    }
    if (rows.length > 0) yield rows;
  }
  if (pending) {
    throw new DataError(`${options.displayPath}:${pending.line}: unterminated quoted field (the closing " is missing)`, {
      hint: 'if the file uses bare " inside fields, set `quote: false`',
    });
  }
}

function noteRow(state: Pending, stats: QuoteStats | undefined, multiline: boolean): void {
  if (!stats) return;
  if (multiline) stats.multiline += 1;
  if (state.malformed) {
    stats.malformed += 1;
    stats.firstMalformedLine ??= state.line;
  }
}

/** Marker: the row is complete (no open quoted field). */
const IN_QUOTES_DONE = '\u0000done';

/** Parses a line that contains quotes; returns a pending state when a quoted field stays open. */
function parseQuotedLine(text: string, delimiter: string, line: number): Pending {
  return scan({ fields: [], field: '', line }, text, 0, false, delimiter);
}

/** Continues an open quoted field with more text. */
function continueQuoted(state: Pending, text: string, delimiter: string): Pending {
  return scan(state, text, 0, true, delimiter);
}

/** The character-level CSV state machine, lenient about stray quotes in unquoted fields. */
function scan(state: Pending, text: string, start: number, inQuotes: boolean, delimiter: string): Pending {
  const fields = state.fields;
  let field = state.field;
  let i = start;
  let quoted = inQuotes;
  let atFieldStart = !inQuotes && field === '';
  let afterQuote = false;
  let malformed = state.malformed ?? false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        afterQuote = true;
        i += 1;
        continue;
      }
      field += c;
      i += 1;
      continue;
    }
    if (c === '"' && atFieldStart) {
      quoted = true;
      atFieldStart = false;
      i += 1;
      continue;
    }
    if (text.startsWith(delimiter, i)) {
      fields.push(field);
      field = '';
      atFieldStart = true;
      afterQuote = false;
      i += delimiter.length;
      continue;
    }
    if (afterQuote) malformed = true;
    field += c;
    atFieldStart = false;
    i += 1;
  }
  if (quoted) return { fields, field, line: state.line, malformed };
  fields.push(field);
  return { fields, field: IN_QUOTES_DONE, line: state.line, malformed };
}
