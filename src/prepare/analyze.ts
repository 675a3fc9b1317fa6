// The prepare analysis: load, dedupe, suffix and tokencheck one file in a scratch folder, then list findings.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.ts';
import { readRecordBatches } from '../data/jsonl.ts';
import { getCompletionText } from '../data/records.ts';
import { detectFormat } from '../data/source.ts';
import type { DedupeReportJson } from '../stages/dedupe/dedupe.ts';
import type { LoadReport } from '../stages/load/load.ts';
import { checkTokens } from '../stages/tokencheck/check.ts';
import { detectFields } from './fields.ts';
import { buildFindings } from './findings.ts';
import type { Facts } from './findings.ts';
import { findRareClasses } from './rare.ts';
import { countLetterCases } from './scan.ts';
import { runDataStage } from './stages.ts';
import type { PrepareOptions, PrepareReport } from './types.ts';

/** The analysis plus the scratch files later steps reuse. */
export interface Analysis {
  report: PrepareReport;
  facts: Facts;
  /** Scratch JSONL files: loaded (rejects left out) and deduplicated. */
  loaded: string;
  deduped: string;
}

export const DEFAULT_MODEL = 'babbage-002';

/** Analyzes one data file as legacy `prepare_data` did, and more; writes nothing next to it. */
export async function analyzeFile(path: string, options: PrepareOptions = {}): Promise<PrepareReport> {
  const work = await mkdtemp(join(tmpdir(), 'tunefile-prepare-'));
  try {
    return (await analyzeInto(path, options, work)).report;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Runs the analysis with scratch files in `work`. */
export async function analyzeInto(path: string, options: PrepareOptions, work: string): Promise<Analysis> {
  const format = options.format ?? detectFormat(path);
  if (!format) throw new UsageError(`${path}: cannot tell the format from the extension`, { hint: 'pass --format jsonl|json|csv|tsv' });
  const model = options.model ?? DEFAULT_MODEL;
  const fields = await detectFields(path, format, options);
  // The pipeline's own stages, with the defaults a pipeline gets (dedupe: on prompt, keep first, conflicts keep-first).
  const loadRun = await runDataStage('load', { path, format, quote: fields.quote, on_error: 'skip', prompt: fields.prompt, completion: fields.completion }, work, path);
  const load = loadRun.json<LoadReport>('report');
  const loaded = loadRun.output('dataset');
  const dedupeRun = await runDataStage('dedupe', {}, work, path, loaded);
  const dedupe = dedupeRun.json<DedupeReportJson>('report');
  const deduped = dedupeRun.output('dataset');
  const suffixRun = await runDataStage('suffix', { prompt: 'auto', completion: 'auto', leading_space: true, model }, work, path, deduped);
  const suffixed = suffixRun.output('dataset');
  const lock = (suffixRun.result?.lock ?? {}) as { separator?: string | null; ending?: string | null };
  const suffix = { separator: lock.separator ?? null, ending: lock.ending ?? null, warnings: suffixRun.warnings };
  const tokens = await checkTokens(suffixed, undefined, { model, distinct_first_token: true, min_train_examples: 10, n_epochs: 'auto' });
  const existing = await countExisting(loaded, suffix.separator ?? '', suffix.ending ?? '');
  // Counted on the deduplicated rows, as the split will see them with the (safe) dedupe accepted.
  const rare = tokens.classification ? await findRareClasses(deduped) : [];
  const facts: Facts = { fields, load, dedupe, suffix, existing, cases: await countLetterCases(loaded), tokens, chat: load.chat === load.records, rare };
  const report: PrepareReport = {
    file: path, format, fields: { prompt: fields.prompt, completion: fields.completion, guessed: fields.guessed, quote: fields.quote },
    records: load.records, classification: tokens.classification, findings: buildFindings(facts), tokens,
  };
  return { report, facts, loaded, deduped };
}

/** How many records already end with the separator/ending and start with a space. */
async function countExisting(path: string, separator: string, ending: string): Promise<Facts['existing']> {
  const out = { separator: 0, ending: 0, leadingSpace: 0, n: 0 };
  for await (const batch of readRecordBatches(path)) {
    for (const r of batch) {
      out.n += 1;
      const completion = getCompletionText(r);
      if (separator === '' || (r.prompt ?? '').endsWith(separator)) out.separator += 1;
      if (ending === '' || completion.endsWith(ending)) out.ending += 1;
      if (/^\s/.test(completion)) out.leadingSpace += 1;
    }
  }
  return out;
}
