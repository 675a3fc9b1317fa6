// Facts about test/data/sms-spam/SMSSpamCollection.tsv computed by the test itself from the raw file, with no
// tunefile code: the rows, and what dedupe's default rule (on: prompt, normalize: none, keep: first) removes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SMS_SPAM_TSV = join(import.meta.dirname, '..', 'data', 'sms-spam', 'SMSSpamCollection.tsv');

export interface SmsRow {
  /** The source row as load numbers it: the line number, the header being line 1. */
  row: number;
  label: string;
  text: string;
}

export interface SmsSpamFacts {
  rows: SmsRow[];
  /** Rows whose text (compared exactly, byte for byte) appeared on an earlier row, with the first row of that text. */
  repeats: { row: number; firstRow: number; sameLabel: boolean }[];
  /** Distinct texts: the rows `dedupe` with `on: prompt` and no normalization keeps. */
  distinct: number;
  /** Rows per label. */
  labels: Record<string, number>;
}

/**
 * Reads the TSV as `load` with `quote: false` does: one record a line, fields split at tabs, the header naming
 * the columns (Label, SMS), no quoting. Texts are compared exactly, as dedupe's `normalize: none` (the default)
 * does: no trimming, no whitespace collapsing, no case folding.
 */
export function smsSpamFacts(path = SMS_SPAM_TSV): SmsSpamFacts {
  const lines = readFileSync(path, 'utf8').split('\n');
  const header = lines[0]!.split('\t');
  const labelAt = header.indexOf('Label');
  const textAt = header.indexOf('SMS');
  if (labelAt < 0 || textAt < 0) throw new Error(`${path}: expected the header Label<TAB>SMS, got ${lines[0]}`);
  const rows: SmsRow[] = [];
  lines.forEach((line, i) => {
    if (i === 0 || line === '') return;
    const fields = line.split('\t');
    rows.push({ row: i + 1, label: fields[labelAt]!, text: fields[textAt]! });
  });
  const first = new Map<string, SmsRow>();
  const repeats: SmsSpamFacts['repeats'] = [];
  const labels: Record<string, number> = {};
  for (const r of rows) {
    labels[r.label] = (labels[r.label] ?? 0) + 1;
    const earlier = first.get(r.text);
    if (earlier) repeats.push({ row: r.row, firstRow: earlier.row, sameLabel: earlier.label === r.label });
    else first.set(r.text, r);
  }
  return { rows, repeats, distinct: first.size, labels };
}
