// Checks once that the fields a load mapping names are among a source's columns (its header, or its first record).
import { DataError, didYouMean } from '../../errors.ts';
import type { FieldMapping } from './mapping.ts';
import { readSourceRows } from '../../data/source.ts';
import type { SourceOptions } from '../../data/source.ts';

/** A field the mapping names that the source does not have, with the option that names it. */
export interface MissingField {
  option: 'prompt' | 'completion' | 'messages' | 'keep_fields';
  field: string;
  /** The closest of the source's names, when one is close. */
  guess?: string;
}

/**
 * The first field the mapping names that `names` lacks, or undefined. Rows with a `messages` field and no prompt
 * field are chat rows (as mapRow reads them), which need no prompt or completion. `keep` also checks keep_fields:
 * right for CSV/TSV, where every row has the header's columns; JSON rows may each have their own fields.
 */
export function findMissingField(names: readonly string[], mapping: FieldMapping, keep: boolean): MissingField | undefined {
  const has = new Set(names);
  const wanted: [MissingField['option'], string][] = [];
  if (mapping.messages !== undefined) wanted.push(['messages', mapping.messages]);
  else if (has.has(mapping.prompt) || !has.has('messages')) wanted.push(['prompt', mapping.prompt], ['completion', mapping.completion]);
  if (keep) for (const field of mapping.keep_fields) wanted.push(['keep_fields', field]);
  for (const [option, field] of wanted) {
    if (has.has(field)) continue;
    const guess = didYouMean(field, names);
    return guess === undefined ? { option, field } : { option, field, guess };
  }
  return undefined;
}

/** "no column 'txt' for `prompt:` (header: text, label); did you mean 'text'?" */
export function describeMissingField(missing: MissingField, noun: 'column' | 'field', names: readonly string[], where: string): string {
  const listed = names.length > 0 ? names.map((n) => (n === '' ? "''" : n)).join(', ') : 'none';
  const guess = missing.guess === undefined ? '' : `; did you mean '${missing.guess}'?`;
  return `no ${noun} '${missing.field}' for \`${missing.option}:\` (${where}: ${listed})${guess}`;
}

/**
 * Throws when a CSV/TSV source lacks a column the mapping names: checked once against the header, because every
 * row would fail the same way (and `on_error: skip` would reject them all).
 */
export function checkColumns(names: readonly string[], mapping: FieldMapping, at: { display: string; line: number; fromHeader: boolean }): void {
  const missing = findMissingField(names, mapping, true);
  if (!missing) return;
  const where = at.fromHeader ? 'header' : 'columns';
  throw new DataError(`${at.display}:${at.line}: ${describeMissingField(missing, 'column', names, where)}`, {
    hint: `set \`${missing.option}:\` to a column of the ${where === 'header' ? 'header' : 'file'} (or name the columns with \`columns:\`); every row lacks it, so \`on_error: skip\` would reject them all`,
  });
}

/** A source's field names as load sees them, and where they come from (for messages). */
export interface SourceFields {
  names: string[];
  /** The header's line, or the first record's. */
  line: number;
  where: 'header' | 'columns' | 'first record';
}

/**
 * The field names of a source, reading only its start: CSV/TSV the header (or `columns:`, or 1, 2, ...), JSONL/JSON
 * the first record's keys. Undefined for a file without rows or whose first row is not a JSON object (load names it).
 */
export async function readSourceFields(path: string, options: SourceOptions): Promise<SourceFields | undefined> {
  let found: SourceFields | undefined;
  const onColumns = (names: string[], line: number, fromHeader: boolean) => {
    found = { names, line, where: fromHeader ? 'header' : 'columns' };
  };
  // Leaving the loop early returns the generator, which closes the file.
  for await (const batch of readSourceRows(path, { ...options, onColumns })) {
    const first = batch[0];
    if (!found && first?.values) found = { names: Object.keys(first.values), line: first.line, where: 'first record' };
    break;
  }
  return found;
}
