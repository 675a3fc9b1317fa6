// Builds prepare's findings (legacy prepare_data messages plus tokencheck's) from the analysis facts.
import { formatRow } from '../data/records.ts';
import type { DedupeReportJson } from '../stages/dedupe/dedupe.ts';
import type { LoadReport } from '../stages/load/load.ts';
import type { TokenReport } from '../stages/tokencheck/check.ts';
import type { DetectedFields } from './fields.ts';
import type { RareClass } from './rare.ts';
import { MIN_CLASS_SIZE } from './rare.ts';
import type { CaseCounts } from './scan.ts';
import { isUpperCaseHeavy } from './scan.ts';
import type { Finding } from './types.ts';

/** Everything the analysis learned, in one place. */
export interface Facts {
  fields: DetectedFields;
  load: LoadReport;
  /** The dedupe stage's report. */
  dedupe: DedupeReportJson;
  /** What the suffix stage chose (null: the records are chat), and its warnings. */
  suffix: { separator: string | null; ending: string | null; warnings: string[] };
  /** How many prompts/completions already carry the separator, ending and leading space. */
  existing: { separator: number; ending: number; leadingSpace: number; n: number };
  cases: { prompt: CaseCounts; completion: CaseCounts };
  tokens: TokenReport;
  chat: boolean;
  /** Classification data: the classes with too few examples for a stratified split. */
  rare: RareClass[];
}

const MIN_EXAMPLES = 100;

function listRows(rows: { row: number; file?: string }[], max = 30): string {
  const shown = rows.slice(0, max).map((r) => String(r.file ? formatRow(r.row, r.file) : r.row));
  return shown.join(', ') + (rows.length > max ? `, ... (${rows.length - max} more)` : '');
}

/** The findings, in the order prepare prints them. */
export function buildFindings(f: Facts): Finding[] {
  const out: Finding[] = [];
  const n = f.load.records;
  if (f.fields.guessed) out.push({ id: 'fields', severity: 'info', message: `Using field '${f.fields.prompt}' as the prompt and '${f.fields.completion}' as the completion`, recommendation: 'pass --prompt and --completion to choose others' });
  if (!f.fields.quote) out.push({ id: 'quoting', severity: 'info', message: 'Fields contain bare " characters, so quoting is off (as `quote: false` in a pipeline)' });
  if (f.load.rejected > 0) {
    const first = f.load.first_rejects.slice(0, 5).map((r) => `${r.row}: ${r.reason}`).join('; ');
    out.push({
      id: 'rejects', severity: 'error', message: `${f.load.rejected} row(s) cannot be used (missing or empty completion, unreadable): ${first}`,
      recommendation: 'remove these rows', action: { id: 'drop-rejects', safe: true, question: `Remove the ${f.load.rejected} unusable row(s)?` },
    });
  }
  out.push({ id: 'count', severity: n < MIN_EXAMPLES ? 'warning' : 'info', message: `Your file contains ${n.toLocaleString('en-US')} examples`, ...(n < MIN_EXAMPLES ? { recommendation: `we recommend at least a few hundred examples; performance tends to improve with every doubling (you have fewer than ${MIN_EXAMPLES})` } : {}) });
  if (f.load.extra_fields.length > 0) out.push({ id: 'extra-columns', severity: 'info', message: `Additional columns/keys are ignored: ${f.load.extra_fields.join(', ')}` });
  for (const [role, kinds] of Object.entries(f.load.coerced)) out.push({ id: 'coerced', severity: 'info', message: `${role}: ${Object.entries(kinds).map(([k, c]) => `${c} ${k}`).join(', ')} value(s) were converted to text` });
  addDuplicates(out, f);
  addClassification(out, f);
  addFormatting(out, f);
  addTokenFindings(out, f.tokens);
  return out;
}

function addDuplicates(out: Finding[], f: Facts): void {
  const dups = f.dedupe.removed_rows.filter((r) => r.reason === 'duplicate');
  if (dups.length > 0) {
    out.push({
      id: 'duplicates', severity: 'warning', message: `There are ${dups.length} duplicated prompts. These are rows: ${listRows(dups)}`,
      recommendation: 'remove the duplicate rows', action: { id: 'dedupe', safe: true, question: `Remove the ${dups.length} duplicate row(s)?` },
    });
  }
  if (f.dedupe.conflicts.length > 0) {
    const c = f.dedupe.conflicts[0]!;
    out.push({ id: 'conflicts', severity: 'warning', message: `${f.dedupe.conflicts.length} prompt(s) appear with different completions, e.g. rows ${c.rows.map((r) => `${r.row} (${JSON.stringify(r.label)})`).join(', ')}`, recommendation: 'check these labels; removing duplicates keeps the first label' });
  }
}

function addClassification(out: Finding[], f: Facts): void {
  if (!f.tokens.classification) return;
  const classes = f.tokens.classes?.length ?? 0;
  const model = f.chat ? 'gpt-4o-mini' : 'babbage-002';
  out.push({
    id: 'classification', severity: 'info',
    message: `Based on your data it seems like you're fine-tuning a model for classification (${classes} classes). We recommend a fast and cheap base model such as \`${model}\`, and \`max_tokens: 1\` when classifying`,
    recommendation: 'keep a held-out validation set, stratified by class, to measure performance',
    action: { id: 'split', safe: true, question: 'Split into training and validation sets (stratified)?' },
  });
  addSmallClasses(out, f);
  const collide = f.tokens.failures.find((m) => m.includes('share the first token')) ?? f.tokens.warnings.find((m) => m.includes('share the first token'));
  if (collide) {
    out.push({
      id: 'first-token', severity: 'error', message: collide,
      recommendation: 'recode the labels with distinct single-token codes (the mapping is written to <name>_prepared_labels.json)',
      action: { id: 'labels', safe: false, question: 'Recode the labels with distinct single-token codes?' },
    });
  }
}

/** A single class, and classes too small to split: named before any question, with the way out. */
function addSmallClasses(out: Finding[], f: Facts): void {
  const single = f.tokens.failures.find((m) => m.startsWith('the data has only one class'));
  if (single) out.push({ id: 'single-class', severity: 'error', message: single.replace(/^the/, 'The') });
  if (f.rare.length === 0) return;
  const rows = f.rare.reduce((a, c) => a + c.count, 0);
  const named = f.rare.slice(0, 10).map((c) => `'${c.label}' (${c.rows.join(', ')})`).join(', ') + (f.rare.length > 10 ? `, and ${f.rare.length - 10} more` : '');
  out.push({
    id: 'rare-classes', severity: 'error',
    message: `${f.rare.length} class(es) have fewer than ${MIN_CLASS_SIZE} examples, too few to be in both the training and the validation set: ${named}`,
    recommendation: 'drop their rows before the split (or add examples of those classes and run prepare again)',
    action: { id: 'drop-rare', safe: false, question: `Drop the ${rows} row(s) of the ${f.rare.length} class(es) with fewer than ${MIN_CLASS_SIZE} examples?` },
  });
}

function addFormatting(out: Finding[], f: Facts): void {
  const { n, separator, ending, leadingSpace } = f.existing;
  if (isUpperCaseHeavy(f.cases.prompt) || isUpperCaseHeavy(f.cases.completion)) {
    const which = isUpperCaseHeavy(f.cases.prompt) ? 'prompt' : 'completion';
    out.push({ id: 'uppercase', severity: 'warning', message: `More than a third of your ${which} text is upper case; upper-case text tends to perform worse than normal mixed case`, recommendation: `lower-case the ${which}s if that makes sense in your domain`, action: { id: 'lowercase', safe: false, question: `Lower-case all ${which}s?` } });
  }
  if (f.chat) return;
  const sep = f.suffix.separator ?? '';
  if (separator < n) out.push({ id: 'separator', severity: 'warning', message: 'Your prompts do not all end with the same separator, so the model cannot tell where the prompt ends', recommendation: `add the separator ${JSON.stringify(sep)} to every prompt`, action: { id: 'separator', safe: true, question: `Add the separator ${JSON.stringify(sep)} to the end of every prompt?` } });
  const end = f.suffix.ending ?? '';
  if (ending < n) out.push({ id: 'ending', severity: 'warning', message: 'Your completions do not all end with the same ending, so the model cannot tell where to stop', recommendation: `add the ending ${JSON.stringify(end)} to every completion`, action: { id: 'ending', safe: true, question: `Add the ending ${JSON.stringify(end)} to every completion?` } });
  if (leadingSpace < n) out.push({ id: 'leading-space', severity: 'warning', message: 'Your completions do not all start with a space; tokenizers attach the space to the first word', recommendation: 'start every completion with a space', action: { id: 'leading-space', safe: true, question: 'Add a leading space to every completion?' } });
  for (const w of f.suffix.warnings) out.push({ id: 'prefix', severity: 'warning', message: w });
}

function addTokenFindings(out: Finding[], t: TokenReport): void {
  if (t.over_limit.length > 0) out.push({ id: 'long-examples', severity: 'error', message: `${t.over_limit.length} example(s) are over the ${t.context_limit}-token limit of ${t.model}: ${t.over_limit.slice(0, 10).map((r) => r.row).join(', ')}`, recommendation: 'shorten or remove them' });
  for (const [error, e] of Object.entries(t.chat_format_errors)) out.push({ id: 'chat-format', severity: 'error', message: `chat format: ${error} in ${e.count} example(s) (${e.rows.join(', ')})` });
  const e = t.estimate;
  out.push({ id: 'estimate', severity: 'info', message: `${t.splits.train.tokens.total.toLocaleString('en-US')} tokens (${t.encoding}); about ${e.billed_tokens.toLocaleString('en-US')} billed tokens over ${e.n_epochs} epochs${e.cost_usd === null ? '' : `, about $${e.cost_usd.toFixed(2)} on ${t.model}`}` });
}
