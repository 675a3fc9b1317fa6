// Adds the prompt separator, completion ending and leading space (idempotently), and label codes. With the separator
// and ending given and no label codes each row is rewritten as it arrives; otherwise the rows are scanned as they
// arrive and rewritten in end(), with a second look at them.
import { DataError } from '../../errors.ts';
import { encodingNameForModel, getEncoding } from '../../tokens/encoding.ts';
import type { ModelTokenizer, TokenizerRecord } from '../../tokens/encoding.ts';
import { CompletionMemo, EncodedRows, decodeField, escapedBytes, hasSurrogate } from '../../data/encoded-rows.ts';
import { JsonlWriter, writeJson } from '../../data/jsonl.ts';
import type { LabelsArtifact } from '../../data/labels.ts';
import { getCompletionText, isChat, withCompletion } from '../../data/records.ts';
import type { DataRecord } from '../../data/records.ts';
import { EncodedRow, fileRows, recordRow } from '../../data/rows.ts';
import type { Row, RowSink } from '../../data/rows.ts';
import {
  COMPLETION_ENDINGS, COMPLETION_PREFIX_WARN, CandidateScan, CommonPrefix, PROMPT_PREFIX_WARN, PROMPT_SEPARATORS, SEPARATOR_WARN,
} from '../../data/separators.ts';
import { findOffenders, type Offenders } from './checks.ts';
import { assignLabelCodes, checkLabelMap, makeLabelsArtifact } from './labels.ts';

export interface SuffixOptions {
  /** Prompt separator, or `auto`. */
  prompt: string;
  /** Completion ending, or `auto`. */
  completion: string;
  leading_space: boolean;
  /** `auto`, or label -> code. */
  labels?: 'auto' | Record<string, string>;
  /** Model whose encoding label codes are checked against. */
  model: string;
  /**
   * The tokenizer label codes are checked against (encoding.ts getModelTokenizer: `tokenizer:`, or an open model's
   * own), called only when codes are chosen. @default tiktoken's encoding for the model
   */
  tokenizer?: () => Promise<ModelTokenizer>;
}

export interface SuffixReport {
  records: number;
  separator: string | null;
  ending: string | null;
  leading_space: boolean;
  warnings: string[];
  labels?: LabelsArtifact;
  /** The Hugging Face tokenizer the codes were checked against (absent for tiktoken). */
  tokenizer?: TokenizerRecord;
}

/** Scan results of pass 1. */
interface Scan {
  prompts: CandidateScan;
  completions: CandidateScan;
  promptPrefix: CommonPrefix;
  completionPrefix: CommonPrefix;
  labels: Map<string, number>;
  n: number;
  chat: number;
}

/**
 * Opens suffix on a pass: rows of `input` (the upstream output, complete when end() is called) are pushed in, and
 * rewritten rows are written to `output` and pushed to `next`; `labelsOut` is written when labels are set. end() throws
 * naming rows on separator/ending clashes.
 */
export function openSuffix(input: string, output: string, options: SuffixOptions, labelsOut?: string, next?: RowSink): RowSink<SuffixReport> {
  const asTheyCome = options.prompt !== 'auto' && options.completion !== 'auto' && options.labels === undefined;
  return asTheyCome ? new SuffixRewrite(output, options, next) : new SuffixScan(input, output, options, labelsOut, next);
}

/** Suffix with `auto` or label codes: the rows are scanned as they arrive; end() chooses and rewrites `input`. */
class SuffixScan implements RowSink<SuffixReport> {
  private readonly scan = newScan();
  private readonly input: string;
  private readonly output: string;
  private readonly options: SuffixOptions;
  private readonly labelsOut: string | undefined;
  private readonly next: RowSink | undefined;

  constructor(input: string, output: string, options: SuffixOptions, labelsOut: string | undefined, next: RowSink | undefined) {
    this.input = input;
    this.output = output;
    this.options = options;
    this.labelsOut = labelsOut;
    this.next = next;
  }

  push(row: Row): void {
    scanRecord(this.scan, row.record, this.options);
  }

  end(): Promise<SuffixReport> {
    return rewriteFile(this.input, this.output, this.options, this.scan, this.labelsOut, this.next);
  }
}

/** Pass 2: chooses the separator, ending and codes from the scan and rewrites every record. */
async function rewriteFile(input: string, output: string, options: SuffixOptions, scan: Scan, labelsOut: string | undefined, next: RowSink | undefined): Promise<SuffixReport> {
  const separator = options.prompt === 'auto' ? scan.prompts.choose(' ->') : options.prompt;
  if (separator === undefined) throw new DataError('prompt: auto found no separator from the legacy list that is absent from every prompt', { hint: 'set `prompt:` to a separator of your own' });
  const ending = options.completion === 'auto' ? scan.completions.choose() : options.completion;
  if (ending === undefined) throw new DataError('completion: auto found no ending absent from every completion', { hint: 'set `completion:` yourself' });
  const codes = options.labels === undefined ? undefined : await chooseCodes(scan, options);
  const offenders: Offenders = { separator: [], ending: [], unmapped: new Map() };
  const writer = new JsonlWriter(output);
  try {
    for await (const rows of fileRows(input)) {
      for (const row of rows) {
        const rewritten = rewrite(row.record, separator, ending, options.leading_space, codes?.map, offenders);
        const line = JSON.stringify(rewritten);
        await writer.writeLine(line);
        if (next) await next.push(recordRow(rewritten, line));
      }
    }
  } finally {
    await writer.close();
  }
  const problem = findOffenders(offenders, separator, ending);
  if (problem) throw problem;
  const report = makeReport(scan, options, separator, ending);
  if (codes) report.labels = codes.artifact;
  if (codes?.tokenizer) report.tokenizer = codes.tokenizer;
  if (labelsOut && report.labels) await writeJson(labelsOut, report.labels);
  return report;
}

/** What one distinct completion becomes in SuffixRewrite's byte path. */
interface CompletionOut {
  /** The completion as it came. */
  text: string;
  /** The rewritten completion's JSON string content, in UTF-8. */
  bytes: Buffer;
  /** It holds the ending before its end (the row must go through push() to be named). */
  offender: boolean;
}

/** Suffix with the separator and ending given, no label codes: each row is rewritten as it arrives. */
class SuffixRewrite implements RowSink<SuffixReport> {
  private readonly scan = newScan();
  private readonly offenders: Offenders = { separator: [], ending: [], unmapped: new Map() };
  private readonly writer: JsonlWriter;
  private readonly options: SuffixOptions;
  private readonly next: RowSink | undefined;
  /** The byte path: the separator's JSON content in UTF-8, where it occurs in the current chunk, and the output line. */
  private readonly separator: Buffer;
  private readonly spliceable: boolean;
  private hitsIn: EncodedRows | undefined;
  private hits: number[] = [];
  private hit = 0;
  private readonly completions = new CompletionMemo<CompletionOut>();
  private out = Buffer.allocUnsafe(1 << 12);
  private readonly outRow = new EncodedRows({
    bytes: this.out, starts: new Int32Array(2), fields: new Int32Array(4), rows: new Int32Array(1), fileIds: new Int32Array(1), files: [],
    promptKeys: undefined, completionIds: new Int32Array(1), count: 1,
  });

  constructor(output: string, options: SuffixOptions, next?: RowSink) {
    this.writer = new JsonlWriter(output);
    this.options = options;
    this.next = next;
    this.separator = escapedBytes(options.prompt);
    // JSON.stringify(prompt + separator) is JSON.stringify(prompt) with the separator's escape appended, unless a
    // surrogate pair could form across the join.
    this.spliceable = !hasSurrogate(options.prompt);
  }

  push(row: Row): Promise<void> {
    return row.encoded ? this.pushBytes(row.encoded, row.index) : this.pushRecord(row);
  }

  /** A row's line is reused when its record is unchanged (chat without label codes) and the line is canonical. */
  private async pushRecord(row: Row): Promise<void> {
    const o = this.options;
    const record = row.record;
    scanRecord(this.scan, record, o);
    const rewritten = rewrite(record, o.prompt, o.completion, o.leading_space, undefined, this.offenders);
    const out = rewritten === record && row.canonical ? row.line : JSON.stringify(rewritten);
    await this.writer.writeLine(out);
    if (this.next) await this.next.push(recordRow(rewritten, out));
  }

  /**
   * Row i of a chunk of bytes. A prompt/completion row without the separator in its prompt is rewritten by splicing
   * bytes: the separator's escape goes after the prompt's content, and the completion's content is replaced by its
   * rewritten form (worked out once per distinct completion). Any other row goes through its record.
   */
  private async pushBytes(rows: EncodedRows, i: number): Promise<void> {
    const f = rows.fields;
    const ps = f[i * 4]!;
    const pe = f[i * 4 + 1]!;
    const cs = f[i * 4 + 2]!;
    const ce = f[i * 4 + 3]!;
    const completion = ps < 0 || !this.spliceable || this.separatorIn(rows, ps, pe) ? undefined : this.completionOut(rows, i, cs, ce);
    if (!completion || completion.offender) return this.pushRecord(new EncodedRow(rows, i));
    // What scanRecord does for a prompt/completion record (the prefixes stop costing once they are empty).
    const scan = this.scan;
    scan.n += 1;
    if (scan.promptPrefix.prefix !== '') scan.promptPrefix.add(decodeField(rows.bytes, ps, pe));
    if (scan.completionPrefix.prefix !== '') scan.completionPrefix.add(completion.text);
    const start = rows.starts[i]!;
    const end = rows.starts[i + 1]! - 1;
    const length = end - start + this.separator.length + completion.bytes.length - (ce - cs);
    if (length + 1 > this.out.length) this.out = Buffer.allocUnsafe(Math.max(length + 1, this.out.length * 2));
    const out = this.out;
    let k = rows.bytes.copy(out, 0, start, pe);
    k += this.separator.copy(out, k);
    const cs2 = k + rows.bytes.copy(out, k, pe, cs);
    const ce2 = cs2 + completion.bytes.copy(out, cs2);
    rows.bytes.copy(out, ce2, ce, end);
    out[length] = 10;
    await this.writer.writeBytes(out, 0, length);
    if (!this.next) return;
    const row = this.outRow;
    row.bytes = out;
    row.starts[1] = length + 1;
    row.fields.set([ps - start, pe - start + this.separator.length, cs2, ce2]);
    row.rows[0] = rows.rows[i]!;
    row.fileIds[0] = rows.fileIds[i]!;
    // The same upstream completion always becomes the same completion here: its number still tells it apart.
    row.completionIds![0] = rows.completionIds ? rows.completionIds[i]! : -1;
    row.files = rows.files;
    // The bytes are reused for the next row: the next stage reads what it needs during push().
    await this.next.push(new EncodedRow(row, 0));
  }

  /** True when the separator's escape occurs inside bytes[ps .. pe) (then the prompt may hold the separator). */
  private separatorIn(rows: EncodedRows, ps: number, pe: number): boolean {
    const sep = this.separator;
    if (sep.length === 0) return false;
    if (this.hitsIn !== rows || (this.hit > 0 && this.hits[this.hit - 1]! >= ps)) {
      this.hitsIn = rows;
      this.hits = [];
      this.hit = 0;
      for (let at = rows.bytes.indexOf(sep); at >= 0; at = rows.bytes.indexOf(sep, at + 1)) this.hits.push(at);
    }
    while (this.hit < this.hits.length && this.hits[this.hit]! < ps) this.hit += 1;
    return this.hit < this.hits.length && this.hits[this.hit]! + sep.length <= pe;
  }

  private completionOut(rows: EncodedRows, i: number, cs: number, ce: number): CompletionOut {
    let out = this.completions.get(rows, i);
    if (out) return out;
    const text = decodeField(rows.bytes, cs, ce);
    const o = this.options;
    const rewritten = suffixCompletion(text, o.completion, o.leading_space);
    out = { text, bytes: escapedBytes(rewritten.completion), offender: rewritten.offender };
    this.completions.set(rows, i, out);
    return out;
  }

  async abort(): Promise<void> {
    await this.writer.close();
  }

  async end(): Promise<SuffixReport> {
    await this.writer.close();
    const problem = findOffenders(this.offenders, this.options.prompt, this.options.completion);
    if (problem) throw problem;
    return makeReport(this.scan, this.options, this.options.prompt, this.options.completion);
  }
}

function makeReport(scan: Scan, options: SuffixOptions, separator: string, ending: string): SuffixReport {
  return {
    records: scan.n, separator: scan.chat === scan.n ? null : separator, ending: scan.chat === scan.n ? null : ending,
    leading_space: options.leading_space, warnings: describeWarnings(scan, separator),
  };
}

function newScan(): Scan {
  return {
    prompts: new CandidateScan(PROMPT_SEPARATORS), completions: new CandidateScan(COMPLETION_ENDINGS),
    promptPrefix: new CommonPrefix(), completionPrefix: new CommonPrefix(), labels: new Map(), n: 0, chat: 0,
  };
}

function scanRecord(scan: Scan, record: DataRecord, options: SuffixOptions): void {
  scan.n += 1;
  const completion = getCompletionText(record);
  if (isChat(record)) scan.chat += 1;
  else {
    const prompt = record.prompt ?? '';
    if (options.prompt === 'auto') scan.prompts.add(prompt);
    scan.promptPrefix.add(prompt);
    if (options.completion === 'auto') scan.completions.add(completion);
    scan.completionPrefix.add(completion);
  }
  if (options.labels !== undefined) {
    const label = labelOf(completion, options.completion === 'auto' ? undefined : options.completion);
    scan.labels.set(label, (scan.labels.get(label) ?? 0) + 1);
    if (scan.labels.size > 10_000) throw new DataError('labels: is for classification data, and this dataset has over 10,000 distinct completions');
  }
}

/** The label a completion carries: without its ending and surrounding whitespace. */
export function labelOf(completion: string, ending: string | undefined): string {
  const core = ending && completion.endsWith(ending) ? completion.slice(0, -ending.length) : completion;
  return core.trim();
}

/** Legacy warnings: long separator, long common prefixes. */
function describeWarnings(scan: Scan, separator: string): string[] {
  const out: string[] = [];
  if (scan.chat < scan.n && separator.length > SEPARATOR_WARN) {
    out.push(`the separator ${JSON.stringify(separator)} is longer than ${SEPARATOR_WARN} characters; a short one saves tokens on every example`);
  }
  const pp = scan.promptPrefix.prefix ?? '';
  if (scan.n > 1 && pp.length > PROMPT_PREFIX_WARN) {
    out.push(`all prompts start with ${JSON.stringify(pp)}: fine-tuning needs no instruction or few-shot prefix; put only the input in the prompt`);
  }
  const cp = scan.completionPrefix.prefix ?? '';
  if (scan.n > 1 && cp.length >= COMPLETION_PREFIX_WARN) {
    out.push(`all completions start with ${JSON.stringify(cp)}: put only the output in the completion, without a common prefix${cp.startsWith(' ') ? ' (keep the leading space)' : ''}`);
  }
  return out;
}

/** Label -> code, from `labels: auto` or an explicit map, the labels artifact, and the Hugging Face tokenizer used. */
async function chooseCodes(scan: Scan, options: SuffixOptions): Promise<{ map: Map<string, string>; artifact: LabelsArtifact; tokenizer?: TokenizerRecord }> {
  const tokenizer = options.tokenizer ? await options.tokenizer() : undefined;
  const encoding = tokenizer?.encoding ?? encodingNameForModel(options.model);
  const enc = tokenizer?.encoder ?? await getEncoding(encodingNameForModel(options.model));
  const space = options.leading_space && scan.chat < scan.n;
  const labels = [...scan.labels.keys()];
  if (options.labels === 'auto' && labels.length * 3 > scan.n && scan.n >= 3) {
    throw new DataError(`labels: auto is for classification data, but ${labels.length} of ${scan.n} completions are distinct`);
  }
  const codes = options.labels === 'auto' ? assignLabelCodes(labels, enc, space) : checkLabelMap(options.labels!);
  const artifact = makeLabelsArtifact(
    Object.fromEntries(Object.entries(codes).filter(([l]) => scan.labels.has(l) || options.labels !== 'auto')),
    { model: options.model, encoding, space, enc },
  );
  return { map: new Map(Object.entries(codes)), artifact, ...(tokenizer?.record ? { tokenizer: tokenizer.record } : {}) };
}

const codeSets = new WeakMap<Map<string, string>, Set<string>>();

/** True when `text` is already one of the codes (suffix ran before: idempotent). */
function isCode(codes: Map<string, string>, text: string): boolean {
  let set = codeSets.get(codes);
  if (!set) codeSets.set(codes, (set = new Set(codes.values())));
  return set.has(text);
}

/** One record with separator, ending, leading space and label code applied (nothing added twice). */
function rewrite(record: DataRecord, separator: string, ending: string, space: boolean, codes: Map<string, string> | undefined, off: Offenders): DataRecord {
  const completion = getCompletionText(record);
  let label = completion;
  if (codes) {
    const key = labelOf(completion, ending);
    const code = codes.get(key);
    if (code === undefined) {
      if (!isCode(codes, key)) off.unmapped.set(key, (off.unmapped.get(key) ?? 0) + 1);
      label = key;
    } else label = code;
  }
  if (isChat(record)) return codes ? withCompletion(record, label) : record;
  let prompt = record.prompt ?? '';
  if (separator !== '') {
    const body = prompt.endsWith(separator) ? prompt.slice(0, -separator.length) : prompt;
    if (body.includes(separator)) off.separator.push(record._row ?? 0);
    prompt = body + separator;
  }
  const suffixed = suffixCompletion(label, ending, space);
  if (suffixed.offender) off.ending.push(record._row ?? 0);
  return { ...record, prompt, completion: suffixed.completion };
}

/** A completion with the leading space and ending (once); `offender` when the ending also occurs before its end. */
function suffixCompletion(label: string, ending: string, space: boolean): { completion: string; offender: boolean } {
  let core = ending !== '' && label.endsWith(ending) ? label.slice(0, -ending.length) : label;
  const offender = ending !== '' && core.includes(ending);
  if (space && !/^\s/.test(core)) core = ' ' + core;
  return { completion: core + ending, offender };
}
