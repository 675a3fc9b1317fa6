// Train/valid split: seeded, stratified by label (largest remainder), optionally by groups; two streaming passes.
import { DataError } from '../errors.ts';
import { allocateLargestRemainder } from './allocate.ts';
import { isClassification } from './classify.ts';
import { digestText } from './digest.ts';
import { JsonlWriter, readRecordBatches } from './jsonl.ts';
import { Xoshiro128, shuffleInPlace } from './prng.ts';
import { describeRow, getCompletionText } from './records.ts';
import { readLineBatches } from './text-lines.ts';

export interface SplitOptions {
  /** A fraction in (0, 1) or a count >= 1. */
  valid: number;
  seed: number | string;
  /** `auto`: stratify when the data is classification. */
  stratify: boolean | 'auto';
  /** Keep records with the same value of this field in the same set. */
  group_by?: string;
}

/** Per-class counts in the `split` report. */
export interface ClassSplit {
  label: string;
  total: number;
  train: number;
  valid: number;
}

export interface SplitReport {
  input: number;
  train: number;
  valid: number;
  seed: number | string;
  classification: boolean;
  stratified: boolean;
  groups?: number;
  classes?: ClassSplit[];
  warnings: string[];
}

/** Units (single rows, or groups) per class, from pass 1. */
interface Pass1 {
  n: number;
  /** class label -> unit ids */
  classes: Map<string, number[]>;
  /** unit id -> row indices (only with group_by; otherwise unit id = row index). */
  groupRows?: number[][];
  /** class label -> first row, for messages. */
  firstRow: Map<string, string>;
  /** Distinct completions over all rows. */
  distinct: number;
}

/** Splits `input` into `trainOut` and `validOut`, keeping input order inside each file. */
export async function splitFile(input: string, trainOut: string, validOut: string, options: SplitOptions): Promise<SplitReport> {
  const pass1 = await collectUnits(input, options.group_by);
  const classification = isClassification(pass1.distinct, pass1.n);
  const stratified = options.stratify === 'auto' ? classification : options.stratify;
  const total = validCount(options.valid, pass1.n);
  const rng = new Xoshiro128(options.seed);
  const isValid = new Uint8Array(pass1.n);
  const warnings: string[] = [];
  const labels = [...pass1.classes.keys()].sort();
  const unitSize = (u: number) => (pass1.groupRows ? pass1.groupRows[u]!.length : 1);
  const mark = (u: number) => {
    if (pass1.groupRows) for (const r of pass1.groupRows[u]!) isValid[r] = 1;
    else isValid[u] = 1;
  };
  if (stratified) {
    const small = labels.filter((l) => countRows(pass1.classes.get(l)!, unitSize) < 2 || (pass1.groupRows && pass1.classes.get(l)!.length < 2));
    if (small.length > 0) throw smallClassError(small, pass1);
    const sizes = labels.map((l) => countRows(pass1.classes.get(l)!, unitSize));
    const quotas = allocateLargestRemainder(sizes, total);
    const sum = quotas.reduce((a, b) => a + b, 0);
    if (sum > total) warnings.push(`valid has ${sum} rows instead of ${total} so that each of the ${labels.length} classes is in it`);
    labels.forEach((l, k) => takeUnits(shuffleInPlace(pass1.classes.get(l)!.slice(), rng), quotas[k]!, unitSize, mark));
  } else {
    const all = labels.flatMap((l) => pass1.classes.get(l)!).sort((a, b) => a - b);
    takeUnits(shuffleInPlace(all, rng), total, unitSize, mark);
  }
  const report = await writeSplit(input, trainOut, validOut, isValid);
  const classes = classification || stratified ? labels.map((label) => classCounts(label, pass1, isValid)) : undefined;
  if (classes) for (const c of classes) if (c.valid === 0 || c.train === 0) warnings.push(`class '${c.label}' is only in ${c.valid === 0 ? 'train' : 'valid'}`);
  return {
    input: pass1.n, train: report.train, valid: report.valid, seed: options.seed, classification, stratified,
    ...(pass1.groupRows ? { groups: pass1.groupRows.length } : {}), ...(classes ? { classes } : {}), warnings,
  };
}

/** The valid row count for a fraction or count; at least 1 and leaving at least 1 for train. */
export function validCount(valid: number, n: number): number {
  if (n < 2) throw new DataError(`split needs at least 2 records, got ${n}`);
  const count = valid < 1 ? Math.round(valid * n) : valid;
  if (!Number.isInteger(count)) throw new DataError(`split: valid must be a fraction in (0, 1) or a whole count, got ${valid}`);
  if (count >= n) throw new DataError(`split: valid is ${count} but there are only ${n} records`, { hint: 'use a fraction such as 0.2' });
  return Math.max(1, count);
}

/** Takes units in order until `quota` rows are taken, always leaving one unit for train. */
function takeUnits(units: number[], quota: number, size: (u: number) => number, mark: (u: number) => void): void {
  let taken = 0;
  for (let k = 0; k < units.length - 1 && taken < quota; k++) {
    mark(units[k]!);
    taken += size(units[k]!);
  }
}

function countRows(units: number[], size: (u: number) => number): number {
  let n = 0;
  for (const u of units) n += size(u);
  return n;
}

/** Pass 1: class label per row (or per group: its first row's label). */
async function collectUnits(input: string, groupBy: string | undefined): Promise<Pass1> {
  const classes = new Map<string, number[]>();
  const firstRow = new Map<string, string>();
  const groupIds = new Map<string, number>();
  const groupRows: number[][] = [];
  const distinct = new Set<string>();
  let n = 0;
  for await (const batch of readRecordBatches(input)) {
    for (const record of batch) {
      const label = getCompletionText(record).trim();
      distinct.add(digestText(label));
      let unit = n;
      if (groupBy !== undefined) {
        const value = record[groupBy];
        if (value === undefined || value === null) {
          throw new DataError(`${describeRow(record)}: no field '${groupBy}' for group_by`, { hint: 'keep it with load `keep_fields`' });
        }
        const key = typeof value === 'string' ? value : JSON.stringify(value);
        let g = groupIds.get(key);
        if (g === undefined) {
          g = groupRows.length;
          groupIds.set(key, g);
          groupRows.push([]);
          unit = -1;
        }
        groupRows[g]!.push(n);
        if (unit !== -1) {
          n += 1;
          continue;
        }
        unit = g;
      }
      let list = classes.get(label);
      if (!list) {
        classes.set(label, (list = []));
        firstRow.set(label, describeRow(record));
      }
      list.push(unit);
      n += 1;
    }
  }
  return { n, classes, firstRow, distinct: distinct.size, ...(groupBy !== undefined ? { groupRows } : {}) };
}

/** Pass 2: each input line goes to train or valid, in input order. */
async function writeSplit(input: string, trainOut: string, validOut: string, isValid: Uint8Array): Promise<{ train: number; valid: number }> {
  const train = new JsonlWriter(trainOut);
  const valid = new JsonlWriter(validOut);
  let i = 0;
  try {
    for await (const batch of readLineBatches(input)) {
      for (const line of batch.lines) {
        if (line === '') continue;
        await (isValid[i++] ? valid : train).writeLine(line);
      }
    }
  } finally {
    await train.close();
    await valid.close();
  }
  return { train: train.count, valid: valid.count };
}

function classCounts(label: string, pass1: Pass1, isValid: Uint8Array): ClassSplit {
  let total = 0;
  let valid = 0;
  for (const u of pass1.classes.get(label)!) {
    for (const r of pass1.groupRows ? pass1.groupRows[u]! : [u]) {
      total += 1;
      valid += isValid[r]!;
    }
  }
  return { label, total, train: total - valid, valid };
}

function smallClassError(small: string[], pass1: Pass1): DataError {
  const named = small.slice(0, 10).map((l) => `'${l}' (${pass1.firstRow.get(l)})`).join(', ');
  return new DataError(
    `split: ${small.length} class(es) have fewer than 2 ${pass1.groupRows ? 'groups' : 'examples'} and cannot be in both train and valid: ${named}${small.length > 10 ? ', ...' : ''}`,
    { hint: 'add examples, merge or drop the class, or set `stratify: false`' },
  );
}
