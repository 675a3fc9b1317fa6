// Parses a fine-tuning job's result CSV (step, losses, accuracies) into typed rows.
import { DataError } from '../errors.ts';
import type { ResultRow } from './types.ts';

type ValueColumn = Exclude<keyof ResultRow, 'step'>;

/** Column names we read, including the legacy (2022) OpenAI names for the same series. */
const COLUMN_ALIASES: Record<string, keyof ResultRow> = {
  step: 'step',
  train_loss: 'train_loss',
  training_loss: 'train_loss',
  train_accuracy: 'train_accuracy',
  training_token_accuracy: 'train_accuracy',
  valid_loss: 'valid_loss',
  validation_loss: 'valid_loss',
  valid_mean_token_accuracy: 'valid_mean_token_accuracy',
  validation_token_accuracy: 'valid_mean_token_accuracy',
};

const VALUE_COLUMNS: ValueColumn[] = ['train_loss', 'train_accuracy', 'valid_loss', 'valid_mean_token_accuracy'];

/**
 * Parses the result CSV `step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy`.
 * Extra columns are ignored, missing ones and empty or `nan` cells become null, a BOM and CRLF
 * are accepted. Rows come back in file order.
 * @throws DataError naming `source:line` and the column for a missing `step` column or a non-number.
 */
export function parseResultsCsv(text: string, source = 'results.csv'): ResultRow[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerIndex = lines.findIndex((line) => line.trim() !== '');
  if (headerIndex < 0) return [];
  const header = splitCsvLine(lines[headerIndex]!).map((name) => name.trim().toLowerCase());
  const positions = new Map<keyof ResultRow, number>();
  header.forEach((name, i) => {
    const column = COLUMN_ALIASES[name];
    if (column && !positions.has(column)) positions.set(column, i);
  });
  if (!positions.has('step')) {
    throw new DataError(`${source}:${headerIndex + 1}: expected a 'step' column in the header (got ${header.join(',')})`);
  }
  const rows: ResultRow[] = [];
  for (let i = headerIndex + 1; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    const cells = splitCsvLine(lines[i]!);
    const read = (column: keyof ResultRow): number | null => parseCell(cells[positions.get(column) ?? -1], `${source}:${i + 1}`, column);
    const step = read('step');
    if (step === null) throw new DataError(`${source}:${i + 1}: column step: expected a number (got an empty cell)`);
    const row: ResultRow = { step, train_loss: null, train_accuracy: null, valid_loss: null, valid_mean_token_accuracy: null };
    for (const column of VALUE_COLUMNS) row[column] = read(column);
    rows.push(row);
  }
  return rows;
}

function parseCell(cell: string | undefined, where: string, column: string): number | null {
  const value = cell?.trim() ?? '';
  if (value === '' || value.toLowerCase() === 'nan') return null;
  const number = Number(value);
  if (!Number.isFinite(number)) throw new DataError(`${where}: column ${column}: expected a number (got ${JSON.stringify(value)})`);
  return number;
}

/** Splits one CSV line on commas, honouring double-quoted cells with "" escapes. */
function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}
