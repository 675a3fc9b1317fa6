// Duplicate removal, row by row. With `keep: first` (and conflicts kept or failed) each row is decided as it arrives;
// `keep: last` and `conflicts: drop` group the rows as they arrive and decide in end(), with a second look at them.
// Both key rows the same way (RowKeys) and keep digests and row numbers per group, never texts.
import { DataError } from '../../errors.ts';
import { DigestTable, Int32Column } from '../../data/digest-table.ts';
import { CompletionMemo, escapedBytes } from '../../data/encoded-rows.ts';
import { JsonlWriter, LAZY_JSON_ARRAY } from '../../data/jsonl.ts';
import type { LazyJsonArray } from '../../data/jsonl.ts';
import { formatRow, getCompletionText, getPromptText } from '../../data/records.ts';
import type { DataRecord } from '../../data/records.ts';
import { fileRows } from '../../data/rows.ts';
import type { Row, RowSink } from '../../data/rows.ts';
import { normalizeText } from './normalize.ts';
import type { Normalize } from './normalize.ts';

export interface DedupeOptions {
  on: 'prompt' | 'prompt+completion';
  keep: 'first' | 'last';
  normalize: Normalize;
  conflicts: 'keep-first' | 'drop' | 'fail';
}

/** Where a row came from: its 1-based source row (and file, when several were loaded). */
export interface RowRef {
  row: number;
  file?: string;
}

/** One removed row and why. */
export interface RemovedRow extends RowRef {
  reason: 'duplicate' | 'conflict';
  /** The row kept in its place (duplicates only). */
  kept?: RowRef;
}

/**
 * The removed rows of a report, in typed columns, not a pair of objects per removed row: at
 * 10^6 rows with many repeats those objects were a large share of the heap (BENCHMARKS.md). writeJson streams it as an array (it is a LazyJsonArray); toJSON() gives the array.
 */
export class RemovedRows implements LazyJsonArray {
  readonly [LAZY_JSON_ARRAY] = true;
  private readonly row = new Int32Column();
  private readonly file = new Int32Column();
  private readonly keptRow = new Int32Column();
  /** -2: no kept row (a conflict); -1: kept row without a file; else a file id. */
  private readonly keptFile = new Int32Column();
  private readonly files: string[] = [];
  private readonly fileIds = new Map<string, number>();

  get length(): number {
    return this.row.length;
  }

  push(r: RemovedRow): void {
    this.row.push(r.row);
    this.file.push(this.fileId(r.file));
    this.keptRow.push(r.kept ? r.kept.row : 0);
    this.keptFile.push(r.kept ? this.fileId(r.kept.file) : -2);
  }

  at(i: number): RemovedRow {
    const ref = (row: number, file: number): RowRef => (file < 0 ? { row } : { row, file: this.files[file]! });
    const keptFile = this.keptFile.get(i);
    const base = ref(this.row.get(i), this.file.get(i));
    return keptFile === -2 ? { ...base, reason: 'conflict' } : { ...base, reason: 'duplicate', kept: ref(this.keptRow.get(i), keptFile) };
  }

  toJSON(): RemovedRow[] {
    return Array.from({ length: this.length }, (_, i) => this.at(i));
  }

  private fileId(file: string | undefined): number {
    if (file === undefined) return -1;
    let id = this.fileIds.get(file);
    if (id === undefined) this.fileIds.set(file, (id = this.files.push(file) - 1));
    return id;
  }
}

/** The same prompt with different completions. */
export interface ConflictGroup {
  prompt: string;
  rows: (RowRef & { label: string })[];
  labels: Record<string, number>;
}

/** The `dedupe` report artifact. */
export interface DedupeReport {
  options: DedupeOptions;
  input: number;
  output: number;
  removed: number;
  duplicates_removed: number;
  conflicts_removed: number;
  /** Kept in typed columns (17 bytes a row, not two objects); written as a JSON array; toJSON() for an array. */
  removed_rows: RemovedRows;
  conflicts: ConflictGroup[];
}

/** The report as written to the `report` artifact (and read back): the removed rows as a plain array. */
export type DedupeReportJson = Omit<DedupeReport, 'removed_rows'> & { removed_rows: RemovedRow[] };

/** Groups of equal keys: first/last row index and source row per group (ids are dense, from a digest table). */
interface Groups {
  first: Int32Column;
  last: Int32Column;
  firstRow: Int32Column;
  lastRow: Int32Column;
  firstFile: Int32Column;
  lastFile: Int32Column;
}

/**
 * What dedupe compares: each row's prompt and completion, as dense ids (the same text, the same id, however the row
 * came). With `normalize: none` a text is keyed by its JSON string content (equal texts, equal escapes), read
 * straight from the row's bytes when it has them, so the row is not parsed.
 */
class RowKeys {
  readonly prompts = new DigestTable();
  readonly completions = new DigestTable();
  /** Completion ids by the source's completion numbers (EncodedRows.completionIds). */
  private readonly completionIds = new CompletionMemo<number>();
  private readonly normalize: Normalize;
  private readonly files: string[];
  private readonly fileIds = new Map<string, number>();
  /** Set by read(): the row's prompt id, completion id, source row and source file (an index in `files`, or -1). */
  prompt = 0;
  completion = 0;
  row = 0;
  file = -1;

  constructor(normalize: Normalize, files: string[]) {
    this.normalize = normalize;
    this.files = files;
  }

  read(row: Row): void {
    const rows = row.encoded;
    const i = row.index;
    if (this.normalize === 'none' && rows && rows.fields[i * 4]! >= 0) {
      const f = rows.fields;
      this.prompt = rows.promptKeys ? this.prompts.addDigest(rows.promptKeys, i * 4) : this.prompts.addBytes(rows.bytes, f[i * 4]!, f[i * 4 + 1]!);
      let comp = this.completionIds.get(rows, i);
      if (comp === undefined) this.completionIds.set(rows, i, (comp = this.completions.addBytes(rows.bytes, f[i * 4 + 2]!, f[i * 4 + 3]!)));
      this.completion = comp;
      this.setSource(rows.row(i) ?? 0, rows.file(i));
      return;
    }
    const record = row.record;
    const prompt = getPromptText(record);
    const completion = getCompletionText(record);
    if (this.normalize === 'none') {
      const p = escapedBytes(prompt);
      const c = escapedBytes(completion);
      this.prompt = this.prompts.addBytes(p, 0, p.length);
      this.completion = this.completions.addBytes(c, 0, c.length);
    } else {
      this.prompt = this.prompts.add(normalizeText(prompt, this.normalize));
      this.completion = this.completions.add(normalizeText(completion, this.normalize));
    }
    this.setSource(record._row ?? 0, record._file);
  }

  /** A RowRef for the source row and file of the last read(). */
  ref(): RowRef {
    return this.file < 0 ? { row: this.row } : { row: this.row, file: this.files[this.file]! };
  }

  private setSource(row: number, file: string | undefined): void {
    this.row = row;
    if (file === undefined) this.file = -1;
    else {
      let id = this.fileIds.get(file);
      if (id === undefined) this.fileIds.set(file, (id = this.files.push(file) - 1));
      this.file = id;
    }
  }
}

/**
 * Opens dedupe on a pass: rows of `input` (the upstream output, complete when end() is called) are pushed in, and
 * kept rows are written to `output` and pushed to `next`. end() throws on conflicts with `conflicts: fail`.
 */
export function openDedupe(input: string, output: string, options: DedupeOptions, next?: RowSink): RowSink<DedupeReport> {
  return options.keep === 'first' && options.conflicts !== 'drop' ? new KeepFirst(input, output, options, next) : new KeepGrouped(input, output, options, next);
}

function emptyReport(options: DedupeOptions): DedupeReport {
  return { options, input: 0, output: 0, removed: 0, duplicates_removed: 0, conflicts_removed: 0, removed_rows: new RemovedRows(), conflicts: [] };
}

/**
 * `keep: first` with `conflicts: keep-first | fail`: a row is kept when it is the first with its prompt; a later row
 * is a duplicate of it when its completion matches the first one's, a conflict otherwise. `input` is read again at
 * the end only when there are conflicts, to list every row of each conflicting group.
 */
class KeepFirst implements RowSink<DedupeReport> {
  private readonly files: string[] = [];
  private readonly keys: RowKeys;
  private readonly firstComp = new Int32Column();
  private readonly firstRow = new Int32Column();
  /** Created when a row names its source file (several files were loaded); -1 for groups before that. */
  private firstFile: Int32Column | undefined;
  private readonly rowPromptGroup = new Int32Column();
  private conflict: Uint8Array = new Uint8Array(1024);
  private conflicted = 0;
  private readonly writer: JsonlWriter;
  private readonly report: DedupeReport;
  private readonly input: string;
  private readonly options: DedupeOptions;
  private readonly next: RowSink | undefined;

  constructor(input: string, output: string, options: DedupeOptions, next?: RowSink) {
    this.input = input;
    this.options = options;
    this.next = next;
    this.keys = new RowKeys(options.normalize, this.files);
    this.writer = new JsonlWriter(output);
    this.report = emptyReport(options);
  }

  async push(row: Row): Promise<void> {
    const k = this.keys;
    k.read(row);
    if (!this.decide(k.prompt, k.completion)) return;
    const rows = row.encoded;
    if (rows) await this.writer.writeBytes(rows.bytes, rows.starts[row.index]!, rows.starts[row.index + 1]! - 1);
    else await this.writer.writeLine(row.line);
    if (this.next) await this.next.push(row);
  }

  /** Counts a row of prompt group `pg` and completion `comp`: true to keep it (the first of its prompt), else notes why it goes. */
  private decide(pg: number, comp: number): boolean {
    const k = this.keys;
    this.rowPromptGroup.push(pg);
    this.report.input += 1;
    if (pg === this.firstComp.length) {
      this.firstComp.push(comp);
      this.firstRow.push(k.row);
      if (k.file >= 0 && !this.firstFile) {
        // Groups so far had no file: -1. Every later group is set below, so growth (zero-filled) leaves no gap.
        this.firstFile = new Int32Column(Math.max(1024, this.firstComp.length * 2));
        this.firstFile.data.fill(-1);
      }
      this.firstFile?.set(this.firstComp.length - 1, k.file);
      return true;
    }
    const ref = k.ref();
    if (comp === this.firstComp.get(pg)) {
      const keptFile = this.firstFile?.get(pg) ?? -1;
      const kept: RowRef = keptFile < 0 ? { row: this.firstRow.get(pg) } : { row: this.firstRow.get(pg), file: this.files[keptFile]! };
      this.report.removed_rows.push({ ...ref, reason: 'duplicate', kept });
      this.report.duplicates_removed += 1;
    } else {
      if (pg >= this.conflict.length) this.conflict = growBytes(this.conflict, pg);
      if (!this.conflict[pg]) this.conflicted += 1;
      this.conflict[pg] = 1;
      this.report.removed_rows.push({ ...ref, reason: 'conflict' });
      this.report.conflicts_removed += 1;
    }
    return false;
  }

  async abort(): Promise<void> {
    await this.writer.close();
  }

  /** Closes the output; lists the conflicting groups (a second look at the input, only when there are any). */
  async end(): Promise<DedupeReport> {
    await this.writer.close();
    const report = this.report;
    report.output = this.writer.count;
    report.removed = report.input - report.output;
    if (this.conflicted > 0) report.conflicts = await this.conflictGroups();
    if (this.options.conflicts === 'fail' && report.conflicts.length > 0) throw conflictError(report.conflicts);
    return report;
  }

  private async conflictGroups(): Promise<ConflictGroup[]> {
    const groups = new Map<number, ConflictGroup>();
    let i = 0;
    for await (const rows of fileRows(this.input)) {
      for (const row of rows) {
        const pg = this.rowPromptGroup.get(i++);
        if (pg >= this.conflict.length || !this.conflict[pg]) continue;
        const record = row.record;
        addConflictRow(groups, pg, getPromptText(record), rowRef(record), getCompletionText(record));
      }
    }
    return [...groups.values()];
  }
}

/**
 * `keep: last`, or `conflicts: drop`: which row of a group stays is known only once every row is in, so push() only
 * groups the rows, and end() reads them again from `input`, writing and pushing on the ones kept.
 */
class KeepGrouped implements RowSink<DedupeReport> {
  private readonly files: string[] = [];
  private readonly keys: RowKeys;
  private readonly prompt = newGroups();
  private readonly pair: Groups | undefined;
  /** Pair ids (prompt group, completion) for `on: prompt+completion`. */
  private readonly pairs = new DigestTable();
  /** Id of the first completion of each prompt group. */
  private readonly firstComp = new Int32Column();
  private conflict: Uint8Array = new Uint8Array(1024);
  /** Per row: its dedupe group, its prompt group and its completion. */
  private readonly rowGroup = new Int32Column();
  private readonly rowPromptGroup = new Int32Column();
  private readonly rowComp = new Int32Column();
  private n = 0;
  /** Every row pushed had a canonical line, so the lines of `input` are too. */
  private canonical = true;
  private writer: JsonlWriter | undefined;
  private readonly input: string;
  private readonly output: string;
  private readonly options: DedupeOptions;
  private readonly next: RowSink | undefined;

  constructor(input: string, output: string, options: DedupeOptions, next?: RowSink) {
    this.input = input;
    this.output = output;
    this.options = options;
    this.next = next;
    this.keys = new RowKeys(options.normalize, this.files);
    this.pair = options.on === 'prompt+completion' ? newGroups() : undefined;
  }

  push(row: Row): void {
    const k = this.keys;
    k.read(row);
    if (!row.canonical) this.canonical = false;
    const { n } = this;
    const pg = addToGroup(this.prompt, k.prompt, n, k.row, k.file);
    if (pg === this.firstComp.length) this.firstComp.push(k.completion);
    else if (this.firstComp.get(pg) !== k.completion) {
      if (pg >= this.conflict.length) this.conflict = growBytes(this.conflict, pg);
      this.conflict[pg] = 1;
    }
    this.rowPromptGroup.push(pg);
    this.rowComp.push(k.completion);
    this.rowGroup.push(this.pair ? addToGroup(this.pair, this.pairs.addWords(pg, k.completion, 0, 0), n, k.row, k.file) : pg);
    this.n = n + 1;
  }

  async abort(): Promise<void> {
    await this.writer?.close();
  }

  async end(): Promise<DedupeReport> {
    const { options } = this;
    if (this.conflict.length < this.firstComp.length) this.conflict = growBytes(this.conflict, this.firstComp.length);
    const report = emptyReport(options);
    report.input = this.n;
    const conflictGroups = new Map<number, ConflictGroup>();
    const groups = this.pair ?? this.prompt;
    const writer = (this.writer = new JsonlWriter(this.output));
    let i = 0;
    try {
      for await (const rows of fileRows(this.input, this.canonical)) {
        for (const row of rows) {
          const g = this.rowGroup.get(i);
          const pg = this.rowPromptGroup.get(i);
          const keptIndex = options.keep === 'first' ? groups.first.get(g) : groups.last.get(g);
          if (!this.conflict[pg]) {
            if (i === keptIndex) await this.keep(row);
            else report.removed_rows.push({ ...rowRef(row.record), reason: 'duplicate', kept: keptRef(groups, g, options.keep, this.files) });
          } else {
            const record = row.record;
            const ref = rowRef(record);
            addConflictRow(conflictGroups, pg, getPromptText(record), ref, getCompletionText(record));
            const verdict = this.judgeConflictRow(i, g, pg);
            if (verdict === 'keep') await this.keep(row);
            else if (verdict === 'conflict') report.removed_rows.push({ ...ref, reason: 'conflict' });
            else report.removed_rows.push({ ...ref, reason: 'duplicate', kept: verdict });
          }
          i += 1;
        }
      }
    } finally {
      await writer.close();
    }
    report.output = writer.count;
    report.removed = report.input - report.output;
    for (let r = 0; r < report.removed_rows.length; r++) report.removed_rows.at(r).reason === 'duplicate' ? report.duplicates_removed++ : report.conflicts_removed++;
    report.conflicts = [...conflictGroups.values()];
    if (options.conflicts === 'fail' && report.conflicts.length > 0) throw conflictError(report.conflicts);
    return report;
  }

  private async keep(row: Row): Promise<void> {
    await this.writer!.writeLine(row.line);
    if (this.next) await this.next.push(row);
  }

  /** For row i of a conflicting prompt: 'keep', 'conflict', or the row kept instead of this duplicate. */
  private judgeConflictRow(i: number, g: number, pg: number): 'keep' | 'conflict' | RowRef {
    const o = this.options;
    if (o.conflicts === 'drop') return 'conflict';
    if (o.conflicts === 'keep-first') {
      if (this.rowComp.get(i) !== this.firstComp.get(pg)) return 'conflict';
      if (o.on === 'prompt') return i === this.prompt.first.get(pg) ? 'keep' : keptRef(this.prompt, pg, 'first', this.files);
    }
    const groups = this.pair ?? this.prompt;
    const keptIndex = o.keep === 'first' ? groups.first.get(g) : groups.last.get(g);
    return i === keptIndex ? 'keep' : keptRef(groups, g, o.keep, this.files);
  }
}

function keptRef(groups: Groups, g: number, keep: 'first' | 'last', files: string[]): RowRef {
  const row = keep === 'first' ? groups.firstRow.get(g) : groups.lastRow.get(g);
  const file = keep === 'first' ? groups.firstFile.get(g) : groups.lastFile.get(g);
  return file < 0 ? { row } : { row, file: files[file]! };
}

function newGroups(): Groups {
  const col = () => new Int32Column();
  return { first: col(), last: col(), firstRow: col(), lastRow: col(), firstFile: col(), lastFile: col() };
}

/** Records row `index` in group `g` (an id from the group's table); returns g. */
function addToGroup(groups: Groups, g: number, index: number, row: number, file: number): number {
  if (g === groups.first.length) {
    groups.first.push(index);
    groups.firstRow.push(row);
    groups.firstFile.push(file);
  }
  groups.last.set(g, index);
  groups.lastRow.set(g, row);
  groups.lastFile.set(g, file);
  return g;
}

function growBytes(a: Uint8Array, need: number): Uint8Array {
  const b = new Uint8Array(Math.max(need + 1, a.length * 2));
  b.set(a);
  return b;
}

function rowRef(record: DataRecord): RowRef {
  return record._file === undefined ? { row: record._row ?? 0 } : { row: record._row ?? 0, file: record._file };
}

function addConflictRow(groups: Map<number, ConflictGroup>, g: number, prompt: string, ref: RowRef, label: string): void {
  let group = groups.get(g);
  if (!group) groups.set(g, (group = { prompt: prompt.length > 200 ? prompt.slice(0, 200) + '…' : prompt, rows: [], labels: {} }));
  group.rows.push({ ...ref, label });
  group.labels[label] = (group.labels[label] ?? 0) + 1;
}

/** The `conflicts: fail` error, naming rows and labels of the first groups. */
function conflictError(conflicts: ConflictGroup[]): DataError {
  const details = conflicts.slice(0, 10).map((c) => {
    const rows = c.rows.map((r) => `${formatRow(r.row, r.file)} ${JSON.stringify(r.label)}`).join(', ');
    return `${rows}: ${JSON.stringify(c.prompt.slice(0, 60))}`;
  });
  if (conflicts.length > 10) details.push(`... and ${conflicts.length - 10} more group(s)`);
  const first = conflicts[0]!.rows[0]!;
  return new DataError(
    `${formatRow(first.row, first.file)}: ${conflicts.length} prompt(s) have conflicting completions`,
    { details, hint: 'fix the labels, or set `conflicts: keep-first` or `conflicts: drop`' },
  );
}
