// Classes too small for a stratified split (fewer than 2 examples), found before prepare asks anything.
import { readRecordBatches } from '../data/jsonl.ts';
import { describeRow, getCompletionText } from '../data/records.ts';

/** A class with fewer examples than a stratified split needs. */
export interface RareClass {
  /** The label as split counts it: the completion without surrounding whitespace. */
  label: string;
  count: number;
  /** Its rows (`row 21`), at most MAX_ROWS. */
  rows: string[];
}

/** The fewest examples a class needs to be in both the training and the validation set. */
export const MIN_CLASS_SIZE = 2;

const MAX_ROWS = 5;

/** The classes of a JSONL dataset with fewer than MIN_CLASS_SIZE examples, in label order (as split names them). */
export async function findRareClasses(path: string): Promise<RareClass[]> {
  const classes = new Map<string, RareClass>();
  for await (const batch of readRecordBatches(path)) {
    for (const record of batch) {
      const label = getCompletionText(record).trim();
      const entry = classes.get(label) ?? { label, count: 0, rows: [] };
      entry.count += 1;
      if (entry.rows.length < MAX_ROWS) entry.rows.push(describeRow(record));
      classes.set(label, entry);
    }
  }
  return [...classes.values()].filter((c) => c.count < MIN_CLASS_SIZE).sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
}
