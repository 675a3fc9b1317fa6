// Train/valid split: seeded, stratified by label (largest remainder), optionally by groups. Rows are pushed in and
// only their class (and group) is kept; end() assigns them and copies the lines of the input file as bytes.
import { DataError } from '../../errors.ts';
import { allocateLargestRemainder } from './allocate.ts';
import { isClassification } from '../../data/classify.ts';
import { DigestTable, Int32Column } from '../../data/digest-table.ts';
import { JsonlWriter } from '../../data/jsonl.ts';
import { Xoshiro128, shuffleInPlace } from '../../shared/prng.ts';
import { describeRow, formatRow, getCompletionText } from '../../data/records.ts';
import { CompletionMemo, decodeField } from '../../data/encoded-rows.ts';
import type { EncodedRows } from '../../data/encoded-rows.ts';
import { readLineChunks } from '../../data/line-chunks.ts';
import type { DataRecord } from '../../data/records.ts';
import type { Row, RowSink } from '../../data/rows.ts';

/** Class names kept for messages and reports; beyond this the data is not classification anyway. */
const MAX_NAMED_CLASSES = 100_000;

export interface SplitOptions {
  /** A fraction in (0, 1) or a count >= 1. */
  valid: number;
  seed: number | string;
  /** `auto`: stratify when the data is classification. */
  stratify: boolean | 'auto';
  /** Keep records with the same value of this field in the same set. */
  group_by?: string;
  /** Fewest examples (with group_by: groups) a class needs under stratify or drop_rare. @default 2 */
  min_class_size?: number;
  /** Remove the rows of classes below min_class_size (listed in the report) instead of failing. @default false */
  drop_rare?: boolean;
}

/** A class drop_rare removed, with its rows (`row 21`, or `file:21` for several source files). */
export interface DroppedClass {
  label: string;
  total: number;
  rows: string[];
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
  /** drop_rare: the rows removed, by class (absent when nothing was dropped). */
  dropped?: { min_class_size: number; rows: number; classes: DroppedClass[] };
  warnings: string[];
}

/** Units (single rows, or groups) per class, from pass 1. Everything is a typed array or an id. */
interface Pass1 {
  n: number;
  /** Distinct completions (class ids are dense). */
  classCount: number;
  /** Class id -> label (the trimmed completion) and its first row, for messages. */
  names: string[];
  firstRow: string[];
  /** Unit ids grouped by class: units of class c are byClass[start[c] .. start[c+1]). */
  byClass: Int32Array;
  start: Int32Array;
  /** Units: rows, or with group_by groups. */
  unitCount: number;
  /** With group_by: rows per unit, and the rows of each unit (same layout as byClass). Without, a unit is one row. */
  unitSize?: Int32Array;
  groupRows?: { rows: Int32Array; start: Int32Array };
}

/**
 * Opens split on a pass: rows of `input` (the upstream output, complete when end() is called) are pushed in (their
 * classes and groups are kept); end() assigns them and writes `trainOut` and `validOut`, in input order.
 */
export function openSplit(input: string, trainOut: string, validOut: string, options: SplitOptions): RowSink<SplitReport> {
  const units = new UnitCollector(options.group_by);
  return {
    push(row: Row): void {
      const rows = row.encoded;
      const cs = rows ? rows.fields[row.index * 4 + 2]! : -1;
      // The class comes from the completion's bytes when the row has them (no group_by: that needs the record).
      if (cs < 0 || !units.addEncoded(rows!, row.index, cs, rows!.fields[row.index * 4 + 3]!)) units.add(row.record);
    },
    end: () => assignAndWrite(units.finish(), input, trainOut, validOut, options),
  };
}

async function assignAndWrite(pass1: Pass1, input: string, trainOut: string, validOut: string, options: SplitOptions): Promise<SplitReport> {
  const classification = isClassification(pass1.classCount, pass1.n);
  const stratified = options.stratify === 'auto' ? classification : options.stratify;
  const minSize = options.min_class_size ?? 2;
  const rng = new Xoshiro128(options.seed);
  const isValid = new Uint8Array(pass1.n);
  const warnings: string[] = [];
  const sizes = pass1.unitSize;
  const unitSize = sizes ? (u: number) => sizes[u]! : () => 1;
  const g = pass1.groupRows;
  const mark = (u: number, as = 1) => {
    if (g) for (let k = g.start[u]!; k < g.start[u + 1]!; k++) isValid[g.rows[k]!] = as;
    else isValid[u] = as;
  };
  // A view: shuffling it reorders byClass only within class c, which classCounts does not mind.
  const unitsOf = (c: number) => pass1.byClass.subarray(pass1.start[c]!, pass1.start[c + 1]!);
  // A class's size for min_class_size: its rows, or with group_by its groups (a group is in one set only).
  const classSize = (c: number) => (g ? unitsOf(c).length : countRows(unitsOf(c), unitSize));
  const sorted = [...Array(pass1.classCount).keys()].sort((a, b) => compareText(pass1.names[a]!, pass1.names[b]!));
  const rare = options.drop_rare ? findRare(sorted, classSize, minSize, classification || stratified, pass1, warnings) : [];
  // Row -> its dropped class, for the report (only rare rows: few by definition).
  const rareRows = new Map<number, number>();
  for (const c of rare) {
    for (const u of unitsOf(c)) {
      mark(u, DROPPED);
      if (g) for (let k = g.start[u]!; k < g.start[u + 1]!; k++) rareRows.set(g.rows[k]!, c);
      else rareRows.set(u, c);
    }
  }
  const order = rare.length === 0 ? sorted : sorted.filter((c) => !rare.includes(c));
  const kept = pass1.n - rare.reduce((a, c) => a + countRows(unitsOf(c), unitSize), 0);
  const total = validCount(options.valid, kept, rare.length > 0);
  if (stratified) {
    const small = order.filter((c) => classSize(c) < minSize);
    if (small.length > 0) throw smallClassError(small, pass1, minSize);
    const sizes = order.map((c) => countRows(unitsOf(c), unitSize));
    const quotas = allocateLargestRemainder(sizes, total);
    const sum = quotas.reduce((a, b) => a + b, 0);
    if (sum > total) warnings.push(`valid has ${sum} rows instead of ${total} so that each of the ${order.length} classes is in it`);
    order.forEach((c, k) => takeUnits(shuffleInPlace(unitsOf(c), rng), quotas[k]!, unitSize, mark));
  } else {
    const all = keptUnits(pass1, rare, unitsOf);
    takeUnits(shuffleInPlace(all, rng), total, unitSize, mark);
  }
  const droppedRows: { c: number; row: string }[] = [];
  const report = await writeSplit(input, trainOut, validOut, isValid, (i, line) => droppedRows.push({ c: rareRows.get(i)!, row: rowOfLine(line, i) }));
  const classes = classification || stratified ? order.map((c) => classCounts(c, pass1, isValid)) : undefined;
  if (classes) for (const c of classes) if (c.valid === 0 || c.train === 0) warnings.push(`class '${c.label}' is only in ${c.valid === 0 ? 'train' : 'valid'}`);
  const dropped = rare.length === 0 ? undefined : describeDropped(rare, pass1, droppedRows, minSize);
  if (dropped) warnings.push(droppedWarning(dropped, g !== undefined));
  return {
    input: pass1.n, train: report.train, valid: report.valid, seed: options.seed, classification, stratified,
    ...(pass1.groupRows ? { groups: pass1.unitCount } : {}), ...(classes ? { classes } : {}), ...(dropped ? { dropped } : {}), warnings,
  };
}

/** isValid value of a row drop_rare removed (0 is train, 1 valid). */
const DROPPED = 2;

/** drop_rare: the classes below min_class_size, in label order; none (with a warning) when the data has no classes to count. */
function findRare(sorted: number[], classSize: (c: number) => number, minSize: number, hasClasses: boolean, pass1: Pass1, warnings: string[]): number[] {
  if (!hasClasses) {
    warnings.push(`drop_rare: the data is not classification (${pass1.classCount.toLocaleString('en-US')} distinct completions in ${pass1.n.toLocaleString('en-US')} records), so no class was dropped`);
    return [];
  }
  return sorted.filter((c) => classSize(c) < minSize);
}

/** Every unit (row or group) whose class is not dropped, in unit order. */
function keptUnits(pass1: Pass1, rare: number[], unitsOf: (c: number) => Int32Array): Int32Array {
  if (rare.length === 0) {
    const all = new Int32Array(pass1.unitCount);
    for (let u = 0; u < all.length; u++) all[u] = u;
    return all;
  }
  const gone = new Uint8Array(pass1.unitCount);
  for (const c of rare) for (const u of unitsOf(c)) gone[u] = 1;
  const kept: number[] = [];
  for (let u = 0; u < pass1.unitCount; u++) if (!gone[u]) kept.push(u);
  return Int32Array.from(kept);
}

/** `row N` of a dropped line, from its `_row`/`_file` fields (its position when it has none). */
function rowOfLine(line: Uint8Array, i: number): string {
  const record = JSON.parse(Buffer.from(line).toString('utf8')) as DataRecord;
  return record._row === undefined ? formatRow(i + 1) : describeRow(record);
}

function describeDropped(rare: number[], pass1: Pass1, rows: { c: number; row: string }[], minSize: number): NonNullable<SplitReport['dropped']> {
  const classes = rare.map((c) => ({ label: pass1.names[c]!, total: 0, rows: [] as string[] }));
  for (const { c, row } of rows) {
    const entry = classes[rare.indexOf(c)]!;
    entry.total += 1;
    entry.rows.push(row);
  }
  return { min_class_size: minSize, rows: rows.length, classes };
}

function droppedWarning(d: NonNullable<SplitReport['dropped']>, groups: boolean): string {
  const named = d.classes.slice(0, 10).map((c) => `'${c.label}' (${c.rows.slice(0, 3).join(', ')}${c.rows.length > 3 ? ', ...' : ''})`).join(', ');
  return `drop_rare: removed ${d.rows} row(s) of ${d.classes.length} class(es) with fewer than ${d.min_class_size} ${groups ? 'groups' : 'examples'}: ${named}${d.classes.length > 10 ? ', ...' : ''} (all listed in the report)`;
}

/** The valid row count for a fraction or count; at least 1 and leaving at least 1 for train. */
export function validCount(valid: number, n: number, afterDrop = false): number {
  if (n < 2) throw new DataError(`split needs at least 2 records, got ${n}${afterDrop ? ' after drop_rare removed the rare classes' : ''}`);
  const count = valid < 1 ? Math.round(valid * n) : valid;
  if (!Number.isInteger(count)) throw new DataError(`split: valid must be a fraction in (0, 1) or a whole count, got ${valid}`);
  if (count >= n) throw new DataError(`split: valid is ${count} but there are only ${n} records`, { hint: 'use a fraction such as 0.2' });
  return Math.max(1, count);
}

/** Takes units in order until `quota` rows are taken, always leaving one unit for train. */
function takeUnits(units: ArrayLike<number>, quota: number, size: (u: number) => number, mark: (u: number) => void): void {
  let taken = 0;
  for (let k = 0; k < units.length - 1 && taken < quota; k++) {
    mark(units[k]!);
    taken += size(units[k]!);
  }
}

function countRows(units: ArrayLike<number>, size: (u: number) => number): number {
  let n = 0;
  for (let k = 0; k < units.length; k++) n += size(units[k]!);
  return n;
}

/** Pass 1: class id per row (or per group: its first row's class), then units grouped by class. */
class UnitCollector {
  private readonly classTable = new DigestTable();
  private readonly groupTable = new DigestTable();
  private readonly names: string[] = [];
  private readonly firstRow: string[] = [];
  private readonly unitClass = new Int32Column();
  private readonly rowUnit = new Int32Column();
  /** addEncoded: class ids by the source's completion numbers. */
  private readonly classIds = new CompletionMemo<number>();
  private n = 0;
  private readonly groupBy: string | undefined;

  constructor(groupBy: string | undefined) {
    this.groupBy = groupBy;
  }

  add(record: DataRecord): void {
    const { unitClass, groupBy } = this;
    const c = this.classOf(getCompletionText(record).trim(), record._row, record._file);
    if (groupBy === undefined) {
      unitClass.push(c);
    } else {
      const value = record[groupBy];
      if (value === undefined || value === null) {
        throw new DataError(`${describeRow(record)}: no field '${groupBy}' for group_by`, { hint: 'keep it with load `keep_fields`' });
      }
      const u = this.groupTable.add(typeof value === 'string' ? value : JSON.stringify(value));
      if (u === unitClass.length) unitClass.push(c);
      this.rowUnit.push(u);
    }
    this.n += 1;
  }

  /**
   * add() for row i of a chunk whose completion's JSON content is bytes[cs .. ce): false (nothing added) with
   * group_by, which needs the record.
   */
  addEncoded(rows: EncodedRows, i: number, cs: number, ce: number): boolean {
    if (this.groupBy !== undefined) return false;
    let c = this.classIds.get(rows, i);
    if (c === undefined) {
      c = this.classOf(decodeField(rows.bytes, cs, ce).trim(), rows.row(i), rows.file(i));
      this.classIds.set(rows, i, c);
    }
    this.unitClass.push(c);
    this.n += 1;
    return true;
  }

  /** The class id of a label (the trimmed completion), adding it, named after this row, when new. */
  private classOf(label: string, row: number | undefined, file: string | undefined): number {
    const { names, firstRow } = this;
    const c = this.classTable.add(label);
    if (c === names.length) {
      names.push(names.length < MAX_NAMED_CLASSES ? label : '');
      firstRow.push(names.length <= MAX_NAMED_CLASSES ? formatRow(row, file) : '');
    }
    return c;
  }

  finish(): Pass1 {
    const { n, names, firstRow } = this;
    const units = this.unitClass.data.subarray(0, this.unitClass.length);
    const { items: byClass, start } = bucket(units, names.length);
    if (this.groupBy === undefined) return { n, classCount: names.length, names, firstRow, byClass, start, unitCount: n };
    const rows = bucket(this.rowUnit.data.subarray(0, n), units.length);
    const unitSize = new Int32Array(units.length);
    for (let u = 0; u < units.length; u++) unitSize[u] = rows.start[u + 1]! - rows.start[u]!;
    return { n, classCount: names.length, names, firstRow, byClass, start, unitCount: units.length, unitSize, groupRows: { rows: rows.items, start: rows.start } };
  }
}

/** Counting sort: indices 0..keys.length-1 grouped by key, in index order; `start` has buckets + 1 offsets. */
function bucket(keys: Int32Array, buckets: number): { items: Int32Array; start: Int32Array } {
  const start = new Int32Array(buckets + 1);
  for (const k of keys) start[k + 1]! += 1;
  for (let b = 0; b < buckets; b++) start[b + 1]! += start[b]!;
  const fill = start.slice(0, buckets);
  const items = new Int32Array(keys.length);
  for (let i = 0; i < keys.length; i++) items[fill[keys[i]!]!++] = i;
  return { items, start };
}

/** Code-point order, the same on every machine (no locale). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Pass 2: each input line goes to train or valid (or, dropped by drop_rare, to `onDropped`), in input order. Lines are copied as bytes, never decoded: pass 1
 * already parsed every line (or the upstream stage of a streaming pass wrote them). CR before LF, a BOM and blank
 * lines are dropped, as the line reader does.
 */
async function writeSplit(
  input: string, trainOut: string, validOut: string, isValid: Uint8Array, onDropped: (i: number, line: Uint8Array) => void,
): Promise<{ train: number; valid: number }> {
  const train = new JsonlWriter(trainOut);
  const valid = new JsonlWriter(validOut);
  let i = 0;
  try {
    for await (const { bytes } of readLineChunks(input, 1 << 18)) {
      for (let start = 0; start <= bytes.length;) {
        let end = bytes.indexOf(10, start);
        if (end < 0) end = bytes.length;
        const stop = end > start && bytes[end - 1] === 13 ? end - 1 : end;
        if (stop > start) {
          const to = isValid[i]!;
          if (to === DROPPED) onDropped(i, bytes.subarray(start, stop));
          else await (to ? valid : train).writeBytes(bytes.subarray(start, stop));
          i += 1;
        }
        start = end + 1;
      }
    }
  } finally {
    await train.close();
    await valid.close();
  }
  return { train: train.count, valid: valid.count };
}

function classCounts(c: number, pass1: Pass1, isValid: Uint8Array): ClassSplit {
  let total = 0;
  let valid = 0;
  const g = pass1.groupRows;
  for (let k = pass1.start[c]!; k < pass1.start[c + 1]!; k++) {
    const u = pass1.byClass[k]!;
    const [from, to] = g ? [g.start[u]!, g.start[u + 1]!] : [u, u + 1];
    for (let j = from; j < to; j++) {
      const r = g ? g.rows[j]! : j;
      total += 1;
      valid += isValid[r]!;
    }
  }
  return { label: pass1.names[c]!, total, train: total - valid, valid };
}

function smallClassError(small: number[], pass1: Pass1, minSize: number): DataError {
  const named = small.slice(0, 10).map((c) => `'${pass1.names[c]}' (${pass1.firstRow[c]})`).join(', ');
  const why = minSize === 2 ? 'and cannot be in both train and valid' : `(min_class_size: ${minSize})`;
  // `stratify: false` is no way out: tokencheck then fails on a class missing from valid (or from train).
  return new DataError(
    `split: ${small.length} class(es) have fewer than ${minSize} ${pass1.groupRows ? 'groups' : 'examples'} ${why}: ${named}${small.length > 10 ? ', ...' : ''}`,
    { hint: `add examples or merge ${small.length === 1 ? 'the class into another' : 'those classes into others'}, or set \`drop_rare: true\` on the split stage to remove their rows (listed in its report)` },
  );
}
