// Duplicate removal over a JSONL dataset: one streaming pass for `keep: first` (two for `keep: last` or
// `conflicts: drop`), keeping digests and row numbers per group, never texts.
import { DataError } from '../errors.ts';
import { DigestTable, Int32Column } from './digest-table.ts';
import { JsonlWriter, LAZY_JSON_ARRAY } from './jsonl.ts';
import type { LazyJsonArray } from './jsonl.ts';
import { normalizeText } from './normalize.ts';
import type { Normalize } from './normalize.ts';
import { formatRow, getCompletionText, getPromptText } from './records.ts';
import type { DataRecord, RowConsumer } from './records.ts';
import { CompletionMemo, escapedBytes } from './encoded-rows.ts';
import type { EncodedRows } from './encoded-rows.ts';
import { readLineBatches } from './text-lines.ts';

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

/** Groups of equal keys: dense ids from a digest table, first/last row index and source row per group. */
interface Groups {
  table: DigestTable;
  first: Int32Column;
  last: Int32Column;
  firstRow: Int32Column;
  lastRow: Int32Column;
  firstFile: Int32Column;
  lastFile: Int32Column;
}

/** Facts from pass 1. */
interface Pass1 {
  n: number;
  prompt: Groups;
  pair?: Groups;
  /** Id of the first completion of each prompt group (in `completions`). */
  firstComp: Int32Column;
  completions: DigestTable;
  conflict: Uint8Array;
  /** Per row: its dedupe group and its prompt group. */
  rowGroup: Int32Column;
  rowPromptGroup: Int32Column;
  files: string[];
}

/** True when dedupe can decide each row as it arrives: keep the first row of each prompt, label conflicts judged against it. */
export function dedupeStreams(options: DedupeOptions): boolean {
  return options.keep === 'first' && options.conflicts !== 'drop';
}

/**
 * Removes duplicates from `input` into `output`; returns the report. Throws on conflicts with `conflicts: fail`.
 * Rows kept are also pushed to `next` (only for options where dedupeStreams() holds).
 */
export async function dedupeFile(input: string, output: string, options: DedupeOptions, next?: RowConsumer): Promise<DedupeReport> {
  if (!dedupeStreams(options)) {
    if (next) throw new Error('dedupe: these options cannot stream');
    return dedupeTwoPass(input, output, options);
  }
  // Lines read from a file need not be JSON.stringify(record) (another program may have written them): forward that.
  const forward: RowConsumer | undefined = next && { push: (record) => next.push(record, JSON.stringify(record)) };
  const stream = new DedupeStream(input, output, options, forward);
  try {
    for await (const batch of readLineBatches(input, { displayPath: 'dataset' })) {
      for (const line of batch.lines) if (line !== '') await stream.push(JSON.parse(line) as DataRecord, line);
    }
  } catch (error) {
    await stream.abort();
    throw error;
  }
  return stream.end();
}

/**
 * One-pass dedupe for `keep: first` with `conflicts: keep-first | fail`: a row is kept when it is the first with its
 * (normalized) prompt; a later row is a duplicate of it when its completion matches the first one's, a conflict
 * otherwise. Keeps digests and Int32 columns, never texts. `input` is the file the rows come from: it is read
 * again at the end only when there are conflicts, to list every row of each conflicting group.
 */
export class DedupeStream {
  private readonly prompts = new DigestTable();
  private readonly completions = new DigestTable();
  private readonly firstComp = new Int32Column();
  private readonly firstRow = new Int32Column();
  /** Created when a row names its source file (several files were loaded); -1 for groups before that. */
  private firstFile: Int32Column | undefined;
  private readonly rowPromptGroup = new Int32Column();
  /** pushEncoded: completion ids by the source's completion numbers. */
  private readonly completionIds = new CompletionMemo<number>();
  private conflict: Uint8Array = new Uint8Array(1024);
  private conflicted = 0;
  private readonly files: string[] = [];
  private readonly fileIds = new Map<string, number>();
  private readonly writer: JsonlWriter;
  private readonly report: DedupeReport;
  private readonly input: string;
  private readonly options: DedupeOptions;
  private readonly next: RowConsumer | undefined;

  constructor(input: string, output: string, options: DedupeOptions, next?: RowConsumer) {
    this.input = input;
    this.options = options;
    this.next = next;
    this.writer = new JsonlWriter(output);
    this.report = {
      options, input: 0, output: 0, removed: 0, duplicates_removed: 0, conflicts_removed: 0, removed_rows: new RemovedRows(), conflicts: [],
    };
  }

  async push(record: DataRecord, line: string): Promise<void> {
    const o = this.options;
    const comp = this.completions.add(normalizeText(getCompletionText(record), o.normalize));
    const pg = this.prompts.add(normalizeText(getPromptText(record), o.normalize));
    if (!this.decide(pg, comp, record._row ?? 0, record._file)) return;
    await this.writer.writeLine(line);
    if (this.next) await this.next.push(record, line);
  }

  /**
   * push() for row i of a chunk of bytes, copied as bytes. Without `normalize`, texts are keyed by their JSON string
   * content (equal texts, equal escapes), read straight from the line when it has fields, so the row is not parsed.
   * A stream is fed by push() or by pushEncoded(), never both, so its tables key every text the same way.
   */
  async pushEncoded(rows: EncodedRows, i: number): Promise<void> {
    if (this.options.normalize !== 'none') return this.push(rows.record(i), rows.line(i));
    const f = rows.fields;
    let pg: number;
    let comp: number;
    if (f[i * 4]! >= 0) {
      pg = rows.promptKeys ? this.prompts.addDigest(rows.promptKeys, i * 4) : this.prompts.addBytes(rows.bytes, f[i * 4]!, f[i * 4 + 1]!);
      comp = this.completionIds.get(rows, i) ?? this.completions.addBytes(rows.bytes, f[i * 4 + 2]!, f[i * 4 + 3]!);
      this.completionIds.set(rows, i, comp);
    } else {
      const record = rows.record(i);
      const prompt = escapedBytes(getPromptText(record));
      const completion = escapedBytes(getCompletionText(record));
      pg = this.prompts.addBytes(prompt, 0, prompt.length);
      comp = this.completions.addBytes(completion, 0, completion.length);
    }
    if (!this.decide(pg, comp, rows.row(i) ?? 0, rows.file(i))) return;
    await this.writer.writeBytes(rows.bytes, rows.starts[i]!, rows.starts[i + 1]! - 1);
    if (this.next?.pushEncoded) await this.next.pushEncoded(rows, i);
    else if (this.next) await this.next.push(rows.record(i), rows.line(i));
  }

  /** Counts a row of prompt group `pg` and completion `comp`: true to keep it (the first of its prompt), else notes why it goes. */
  private decide(pg: number, comp: number, row: number, fileName: string | undefined): boolean {
    let file = -1;
    if (fileName !== undefined) {
      file = this.fileIds.get(fileName) ?? this.files.push(fileName) - 1;
      this.fileIds.set(fileName, file);
    }
    this.rowPromptGroup.push(pg);
    this.report.input += 1;
    if (pg === this.firstComp.length) {
      this.firstComp.push(comp);
      this.firstRow.push(row);
      if (file >= 0 && !this.firstFile) {
        // Groups so far had no file: -1. Every later group is set below, so growth (zero-filled) leaves no gap.
        this.firstFile = new Int32Column(Math.max(1024, this.firstComp.length * 2));
        this.firstFile.data.fill(-1);
      }
      this.firstFile?.set(this.firstComp.length - 1, file);
      return true;
    }
    const ref: RowRef = fileName === undefined ? { row } : { row, file: fileName };
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

  /** Closes the output after a failure upstream. */
  async abort(): Promise<void> {
    await this.writer.close();
  }

  /** Closes the output; lists the conflicting groups (a second read of the input, only when there are any). */
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
    for await (const batch of readLineBatches(this.input, { displayPath: 'dataset' })) {
      for (const line of batch.lines) {
        if (line === '') continue;
        const pg = this.rowPromptGroup.get(i++);
        if (pg >= this.conflict.length || !this.conflict[pg]) continue;
        const record = JSON.parse(line) as DataRecord;
        addConflictRow(groups, pg, getPromptText(record), rowRef(record), getCompletionText(record));
      }
    }
    return [...groups.values()];
  }
}

/**
 * The general two-pass dedupe, used for `keep: last` and `conflicts: drop`; for the other options it is the
 * reference the one-pass DedupeStream is tested against.
 */
export async function dedupeTwoPass(input: string, output: string, options: DedupeOptions): Promise<DedupeReport> {
  const p = await groupRows(input, options);
  const report: DedupeReport = {
    options, input: p.n, output: 0, removed: 0, duplicates_removed: 0, conflicts_removed: 0, removed_rows: new RemovedRows(), conflicts: [],
  };
  const conflictGroups = new Map<number, ConflictGroup>();
  const groups = options.on === 'prompt' ? p.prompt : p.pair!;
  const writer = new JsonlWriter(output);
  let i = 0;
  try {
    for await (const batch of readLineBatches(input, { displayPath: 'dataset' })) {
      for (const line of batch.lines) {
        if (line === '') continue;
        const g = p.rowGroup.get(i);
        const pg = p.rowPromptGroup.get(i);
        const keptIndex = options.keep === 'first' ? groups.first.get(g) : groups.last.get(g);
        if (!p.conflict[pg]) {
          if (i === keptIndex) await writer.writeLine(line);
          else report.removed_rows.push({ ...rowRef(JSON.parse(line) as DataRecord), reason: 'duplicate', kept: keptRef(groups, g, options.keep, p.files) });
        } else {
          const record = JSON.parse(line) as DataRecord;
          const ref = rowRef(record);
          const completion = getCompletionText(record);
          addConflictRow(conflictGroups, pg, getPromptText(record), ref, completion);
          const verdict = judgeConflictRow(i, g, pg, p.completions.find(normalizeText(completion, options.normalize)), p, options);
          if (verdict === 'keep') await writer.writeLine(line);
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
  for (let i = 0; i < report.removed_rows.length; i++) report.removed_rows.at(i).reason === 'duplicate' ? report.duplicates_removed++ : report.conflicts_removed++;
  report.conflicts = [...conflictGroups.values()];
  if (options.conflicts === 'fail' && report.conflicts.length > 0) throw conflictError(report.conflicts);
  return report;
}

/** For a row of a conflicting prompt: 'keep', 'conflict', or the row kept instead of this duplicate. */
function judgeConflictRow(i: number, g: number, pg: number, comp: number, p: Pass1, o: DedupeOptions): 'keep' | 'conflict' | RowRef {
  if (o.conflicts === 'drop') return 'conflict';
  if (o.conflicts === 'keep-first') {
    if (comp !== p.firstComp.get(pg)) return 'conflict';
    if (o.on === 'prompt') return i === p.prompt.first.get(pg) ? 'keep' : keptRef(p.prompt, pg, 'first', p.files);
  }
  const groups = o.on === 'prompt' ? p.prompt : p.pair!;
  const keptIndex = o.keep === 'first' ? groups.first.get(g) : groups.last.get(g);
  return i === keptIndex ? 'keep' : keptRef(groups, g, o.keep, p.files);
}

function keptRef(groups: Groups, g: number, keep: 'first' | 'last', files: string[]): RowRef {
  const row = keep === 'first' ? groups.firstRow.get(g) : groups.lastRow.get(g);
  const file = keep === 'first' ? groups.firstFile.get(g) : groups.lastFile.get(g);
  return file < 0 ? { row } : { row, file: files[file]! };
}

/** Pass 1: group ids per row, first/last occurrence and conflict flags. */
async function groupRows(input: string, options: DedupeOptions): Promise<Pass1> {
  const prompt = newGroups();
  const pair = options.on === 'prompt+completion' ? newGroups() : undefined;
  const completions = new DigestTable();
  const firstComp = new Int32Column();
  const files: string[] = [];
  const fileIds = new Map<string, number>();
  let conflict: Uint8Array = new Uint8Array(1024);
  const rowGroup = new Int32Column();
  const rowPromptGroup = new Int32Column();
  let n = 0;
  for await (const batch of readLineBatches(input, { displayPath: 'dataset' })) {
    for (const line of batch.lines) {
      if (line === '') continue;
      const record = JSON.parse(line) as DataRecord;
      let file = -1;
      if (record._file !== undefined) {
        file = fileIds.get(record._file) ?? files.push(record._file) - 1;
        fileIds.set(record._file, file);
      }
      const row = record._row ?? 0;
      const comp = completions.add(normalizeText(getCompletionText(record), options.normalize));
      const pg = addToGroup(prompt, prompt.table.add(normalizeText(getPromptText(record), options.normalize)), n, row, file);
      if (pg === firstComp.length) firstComp.push(comp);
      else if (firstComp.get(pg) !== comp) {
        if (pg >= conflict.length) conflict = growBytes(conflict, pg);
        conflict[pg] = 1;
      }
      rowPromptGroup.push(pg);
      rowGroup.push(pair ? addToGroup(pair, pair.table.addWords(pg, comp, 0, 0), n, row, file) : pg);
      n += 1;
    }
  }
  if (conflict.length < firstComp.length) conflict = growBytes(conflict, firstComp.length);
  return { n, prompt, pair, firstComp, completions, conflict, rowGroup, rowPromptGroup, files };
}

function newGroups(): Groups {
  const col = () => new Int32Column();
  return { table: new DigestTable(), first: col(), last: col(), firstRow: col(), lastRow: col(), firstFile: col(), lastFile: col() };
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
