// prepareFile: the analysis, then the accepted fixes, then `<name>_prepared_train.jsonl` / `_valid.jsonl`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { DataError } from '../errors.ts';
import { JsonlWriter, readRecordBatches, writeJson } from '../data/jsonl.ts';
import { splitFile } from '../data/split.ts';
import { suffixFile } from '../data/suffix.ts';
import { checkTokens } from '../tokens/check.ts';
import { DEFAULT_MODEL, analyzeInto } from './analyze.ts';
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
    let current = has('dedupe') ? analysis.deduped : analysis.loaded;
    if (has('lowercase')) current = await lowercaseFile(current, join(work, 'lower.jsonl'), analysis.report.findings);
    const model = options.model ?? DEFAULT_MODEL;
    const final = join(work, 'final.jsonl');
    const suffix = await suffixFile(current, final, {
      prompt: has('separator') ? 'auto' : '', completion: has('ending') ? 'auto' : '', leading_space: has('leading-space'),
      labels: has('labels') ? 'auto' : undefined, model,
    });
    const outDir = resolve(options.outDir ?? dirname(path));
    const name = basename(path, extname(path));
    const outputs: PrepareResult['outputs'] = {};
    let finalTokens;
    if (has('split')) {
      const [train, valid] = [join(work, 'train.jsonl'), join(work, 'valid.jsonl')];
      await splitFile(final, train, valid, { valid: options.valid ?? 0.2, seed: options.seed ?? 42, stratify: 'auto' });
      outputs.train = await writeStripped(train, join(outDir, `${name}_prepared_train.jsonl`));
      outputs.valid = await writeStripped(valid, join(outDir, `${name}_prepared_valid.jsonl`));
      finalTokens = await checkTokens(train, valid, { model, distinct_first_token: true, min_train_examples: 10, n_epochs: 'auto' });
    } else {
      outputs.prepared = await writeStripped(final, join(outDir, `${name}_prepared.jsonl`));
      finalTokens = await checkTokens(final, undefined, { model, distinct_first_token: true, min_train_examples: 10, n_epochs: 'auto' });
    }
    if (suffix.labels) await writeJson(join(outDir, `${name}_prepared_labels.json`), suffix.labels);
    return { report: analysis.report, accepted, declined, outputs, final: finalTokens };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Asks (or decides) for each finding that carries an action, in order. */
async function decideActions(findings: Finding[], policy: AcceptPolicy): Promise<{ accepted: PrepareActionId[]; declined: PrepareActionId[] }> {
  const accepted: PrepareActionId[] = [];
  const declined: PrepareActionId[] = [];
  for (const f of findings) {
    if (!f.action) continue;
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
