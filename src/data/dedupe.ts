// Duplicate removal over a JSONL dataset in two streaming passes, keeping 16-byte digests per group.
import { DataError } from '../errors.ts';
import { digestText } from './digest.ts';
import { JsonlWriter } from './jsonl.ts';
import { normalizeText } from './normalize.ts';
import type { Normalize } from './normalize.ts';
import { formatRow, getCompletionText, getPromptText } from './records.ts';
import type { DataRecord } from './records.ts';
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
  removed_rows: RemovedRow[];
  conflicts: ConflictGroup[];
}

interface Groups {
  ids: Map<string, number>;
  first: number[];
  last: number[];
  firstRef: RowRef[];
  lastRef: RowRef[];
}

/** Per-row facts from pass 1, in typed arrays that grow as needed. */
interface Pass1 {
  n: number;
  prompt: Groups;
  pair?: Groups;
  firstComp: string[];
  conflict: Uint8Array;
}

/** Removes duplicates from `input` into `output`; returns the report. Throws on conflicts with `conflicts: fail`. */
export async function dedupeFile(input: string, output: string, options: DedupeOptions): Promise<DedupeReport> {
  const displayPath = 'dataset';
  const pass1 = await groupRows(input, options, displayPath);
  const report: DedupeReport = {
    options, input: pass1.n, output: 0, removed: 0, duplicates_removed: 0, conflicts_removed: 0, removed_rows: [], conflicts: [],
  };
  const conflictGroups = new Map<number, ConflictGroup>();
  const writer = new JsonlWriter(output);
  let i = 0;
  try {
    for await (const batch of readLineBatches(input, { displayPath })) {
      for (const line of batch.lines) {
        if (line === '') continue;
        const record = JSON.parse(line) as DataRecord;
        const ref = rowRef(record);
        const prompt = normalizeText(getPromptText(record), options.normalize);
        const completion = getCompletionText(record);
        const comp = digestText(normalizeText(completion, options.normalize));
        const pg = pass1.prompt.ids.get(digestText(prompt))!;
        if (pass1.conflict[pg]) addConflictRow(conflictGroups, pg, getPromptText(record), ref, completion);
        const verdict = judgeRow(i, pg, comp, prompt, completion, pass1, options);
        if (verdict === 'keep') {
          await writer.writeLine(line);
        } else if (verdict === 'conflict') {
          report.removed_rows.push({ ...ref, reason: 'conflict' });
          report.conflicts_removed += 1;
        } else {
          report.removed_rows.push({ ...ref, reason: 'duplicate', kept: verdict });
          report.duplicates_removed += 1;
        }
        i += 1;
      }
    }
  } finally {
    await writer.close();
  }
  report.output = writer.count;
  report.removed = report.input - report.output;
  report.conflicts = [...conflictGroups.values()];
  if (options.conflicts === 'fail' && report.conflicts.length > 0) throw conflictError(report.conflicts);
  return report;
}

/** 'keep', 'conflict', or the row kept instead of this duplicate. */
function judgeRow(i: number, pg: number, comp: string, prompt: string, completion: string, p: Pass1, o: DedupeOptions): 'keep' | 'conflict' | RowRef {
  const inConflict = p.conflict[pg] === 1;
  if (inConflict && o.conflicts === 'drop') return 'conflict';
  if (inConflict && o.conflicts === 'keep-first') {
    if (comp !== p.firstComp[pg]) return 'conflict';
    if (o.on === 'prompt') return i === p.prompt.first[pg] ? 'keep' : p.prompt.firstRef[pg]!;
  }
  const groups = o.on === 'prompt' ? p.prompt : p.pair!;
  const g = o.on === 'prompt' ? pg : groups.ids.get(digestText(prompt + '\u0000' + normalizeText(completion, o.normalize)))!;
  const keptIndex = o.keep === 'first' ? groups.first[g]! : groups.last[g]!;
  if (i === keptIndex) return 'keep';
  return o.keep === 'first' ? groups.firstRef[g]! : groups.lastRef[g]!;
}

/** Pass 1: group ids, first/last occurrence and conflict flags. */
async function groupRows(input: string, options: DedupeOptions, displayPath: string): Promise<Pass1> {
  const prompt = newGroups();
  const pair = options.on === 'prompt+completion' ? newGroups() : undefined;
  const firstComp: string[] = [];
  let conflict: Uint8Array = new Uint8Array(1024);
  let n = 0;
  for await (const batch of readLineBatches(input, { displayPath })) {
    for (const line of batch.lines) {
      if (line === '') continue;
      const record = JSON.parse(line) as DataRecord;
      const ref = rowRef(record);
      const p = normalizeText(getPromptText(record), options.normalize);
      const c = normalizeText(getCompletionText(record), options.normalize);
      const comp = digestText(c);
      const pg = addToGroup(prompt, digestText(p), n, ref);
      if (pg === firstComp.length) firstComp.push(comp);
      else if (firstComp[pg] !== comp) {
        if (pg >= conflict.length) conflict = grow(conflict, pg);
        conflict[pg] = 1;
      }
      if (pair) addToGroup(pair, digestText(p + '\u0000' + c), n, ref);
      n += 1;
    }
  }
  if (conflict.length < firstComp.length) conflict = grow(conflict, firstComp.length);
  return { n, prompt, pair, firstComp, conflict };
}

function newGroups(): Groups {
  return { ids: new Map(), first: [], last: [], firstRef: [], lastRef: [] };
}

function addToGroup(groups: Groups, key: string, index: number, ref: RowRef): number {
  let g = groups.ids.get(key);
  if (g === undefined) {
    g = groups.first.length;
    groups.ids.set(key, g);
    groups.first.push(index);
    groups.firstRef.push(ref);
  }
  groups.last[g] = index;
  groups.lastRef[g] = ref;
  return g;
}

function grow(a: Uint8Array, need: number): Uint8Array {
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
