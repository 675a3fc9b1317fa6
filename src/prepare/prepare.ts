// prepareFile: the analysis, then the accepted fixes, then `<name>_prepared_train.jsonl` / `_valid.jsonl`.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { DataError, UsageError } from '../errors.ts';
import { JsonlWriter, readRecordBatches, writeJson } from '../data/jsonl.ts';
import type { LabelsArtifact } from '../data/labels.ts';
import type { SplitReport } from '../stages/split/split.ts';
import { checkTokens } from '../stages/tokencheck/check.ts';
import { DEFAULT_MODEL, analyzeInto } from './analyze.ts';
import { MIN_CLASS_SIZE } from './rare.ts';
import { runDataStage } from './stages.ts';
import type { AcceptPolicy, Finding, PrepareActionId, PrepareFileOptions, PrepareResult } from './types.ts';

/** Analyzes `path`, applies the recommendations `accept` allows, and writes the prepared files. */
export async function prepareFile(path: string, options: PrepareFileOptions = {}): Promise<PrepareResult> {
  const work = await mkdtemp(join(tmpdir(), 'tunefile-prepare-'));
  try {
    const analysis = await analyzeInto(path, options, work);
    options.onReport?.(analysis.report);
    const { accepted, declined } = await decideActions(analysis.report.findings, options.accept ?? 'safe');
    const has = (id: PrepareActionId) => accepted.includes(id);
    if (analysis.facts.load.rejected > 0 && !has('drop-rejects')) {
      const r = analysis.facts.load.first_rejects[0]!;
      throw new DataError(`${path}:${r.row}: ${r.reason}`, { hint: `${analysis.facts.load.rejected} row(s) cannot be used; accept removing them or fix the file` });
    }
    const rare = analysis.facts.rare;
    if (rare.length > 0 && has('split') && !has('drop-rare')) {
      const named = rare.slice(0, 10).map((c) => `'${c.label}' (${c.rows[0]})`).join(', ');
      throw new DataError(`${path}: ${rare.length} class(es) have fewer than ${MIN_CLASS_SIZE} examples and cannot be in both the training and the validation set: ${named}`, {
        hint: 'accept dropping their rows (answer y, or pass --yes), add examples of those classes, or decline the split',
      });
    }
    const outDir = resolve(options.outDir ?? dirname(path));
    const name = basename(path, extname(path));
    const target = (suffix: string) => join(outDir, `${name}_prepared${suffix}`);
    const planned = [...(has('split') ? [target('_train.jsonl'), target('_valid.jsonl')] : [target('.jsonl')]), ...(has('labels') ? [target('_labels.json')] : [])];
    await checkOverwrite(planned.filter((p) => existsSync(p)), options.overwrite ?? false);
    await mkdir(outDir, { recursive: true }); // --out may name a folder that does not exist yet
    let current = has('dedupe') ? analysis.deduped : analysis.loaded;
    if (has('lowercase')) current = await lowercaseFile(current, join(work, 'lower.jsonl'), analysis.report.findings);
    const model = options.model ?? DEFAULT_MODEL;
    const suffixRun = await runDataStage('suffix', {
      prompt: has('separator') ? 'auto' : '', completion: has('ending') ? 'auto' : '', leading_space: has('leading-space'),
      ...(has('labels') ? { labels: 'auto' } : {}), model,
    }, join(work, 'final'), path, current);
    const final = suffixRun.output('dataset');
    const outputs: PrepareResult['outputs'] = {};
    let finalTokens;
    let dropped: PrepareResult['dropped'];
    if (has('split')) {
      const drop = has('drop-rare') ? { drop_rare: true, min_class_size: MIN_CLASS_SIZE } : {};
      const splitRun = await runDataStage('split', { valid: options.valid ?? 0.2, seed: options.seed ?? 42, stratify: 'auto', ...drop }, work, path, final);
      dropped = splitRun.json<SplitReport>('report').dropped;
      const [train, valid] = [splitRun.output('train'), splitRun.output('valid')];
      outputs.train = await writeStripped(train, target('_train.jsonl'));
      outputs.valid = await writeStripped(valid, target('_valid.jsonl'));
      finalTokens = await checkTokens(train, valid, { model, distinct_first_token: true, min_train_examples: 10, n_epochs: 'auto' });
    } else {
      outputs.prepared = await writeStripped(final, target('.jsonl'));
      finalTokens = await checkTokens(final, undefined, { model, distinct_first_token: true, min_train_examples: 10, n_epochs: 'auto' });
    }
    if (has('labels')) await writeJson(target('_labels.json'), suffixRun.json<LabelsArtifact>('labels'));
    return { report: analysis.report, accepted, declined, outputs, final: finalTokens, ...(dropped ? { dropped } : {}) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Existing files among the outputs: replaced only when `overwrite` says so.
 * @throws UsageError naming them, before anything is written.
 */
async function checkOverwrite(existing: string[], overwrite: NonNullable<PrepareFileOptions['overwrite']>): Promise<void> {
  if (existing.length === 0) return;
  if (typeof overwrite === 'function' ? await overwrite(existing) : overwrite) return;
  throw new UsageError(`prepare: ${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; nothing was written`, {
    hint: 'pass --yes to overwrite them (without a terminal prepare does not ask), or --out DIR to write elsewhere',
  });
}

/** Asks (or decides) for each finding that carries an action, in order. */
async function decideActions(findings: Finding[], policy: AcceptPolicy): Promise<{ accepted: PrepareActionId[]; declined: PrepareActionId[] }> {
  const accepted: PrepareActionId[] = [];
  const declined: PrepareActionId[] = [];
  for (const f of findings) {
    if (!f.action) continue;
    // Dropping rare classes only serves the split: not asked when the split was declined.
    if (f.action.id === 'drop-rare' && !accepted.includes('split')) continue;
    const yes = policy === 'all' ? true : policy === 'none' ? false : policy === 'safe' ? f.action.safe : await policy(f);
    (yes ? accepted : declined).push(f.action.id);
  }
  return { accepted, declined };
}

/** Writes records without tunefile's `_row`/`_file` fields (what OpenAI's format expects). */
async function writeStripped(src: string, dest: string): Promise<string> {
  const writer = new JsonlWriter(dest);
  try {
    for await (const batch of readRecordBatches(src)) {
      for (const r of batch) await writer.write(Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith('_'))));
    }
  } finally {
    await writer.close();
  }
  return dest;
}

/** Lower-cases the role(s) the upper-case finding named. */
async function lowercaseFile(src: string, dest: string, findings: Finding[]): Promise<string> {
  const which = findings.find((f) => f.id === 'uppercase')?.message.includes('completion') ? 'completion' : 'prompt';
  const writer = new JsonlWriter(dest);
  try {
    for await (const batch of readRecordBatches(src)) {
      for (const r of batch) {
        const text = r[which];
        await writer.write(typeof text === 'string' ? { ...r, [which]: text.toLowerCase() } : r);
      }
    }
  } finally {
    await writer.close();
  }
  return dest;
}
