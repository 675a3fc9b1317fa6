// Runs `tokencheck`: train and valid pass through byte for byte; the report carries the estimate.
import { copyFile } from 'node:fs/promises';
import { DataError, TunefileError } from '../../errors.ts';
import { writeJson } from '../../data/jsonl.ts';
import { checkTokens } from './check.ts';
import type { TokenReport } from './check.ts';
import type { RestoreContext, StageContext, StageResult } from '../types.ts';
import type { TokencheckParams } from './index.ts';
import { findTokenizerChange, getModelTokenizer } from '../../tokens/encoding.ts';
import type { TokenizerRequest } from '../../tokens/encoding.ts';
import { formatUsd } from '../../tokens/prices.ts';

/** What decides the tokenizer: the model, `tokenizer:` (relative to the pipeline's folder), and the Hugging Face cache of the environment. */
function tokenizerRequest(ctx: Pick<StageContext<TokencheckParams>, 'params' | 'model' | 'pipelineDir' | 'env'>): TokenizerRequest {
  return { model: ctx.params.model ?? ctx.model, tokenizer: ctx.params.tokenizer, pipelineDir: ctx.pipelineDir, env: ctx.env };
}

export async function run(ctx: StageContext<TokencheckParams>): Promise<StageResult> {
  const p = ctx.params;
  const maxCost = p.max_cost_usd ?? ctx.config.max_cost_usd;
  const tokenizer = await getModelTokenizer(tokenizerRequest(ctx));
  const report = await checkTokens(ctx.inputs.train!.path, ctx.inputs.valid?.path, {
    model: p.model ?? ctx.model, tokenizer, distinct_first_token: p.distinct_first_token, min_train_examples: p.min_train_examples,
    n_epochs: p.n_epochs, max_cost_usd: maxCost,
    // The lines upload will write: its format and system message (followed from the upload stage by the loader).
    ...(p.format === 'auto' ? {} : { format: p.format }), ...(p.system === undefined ? {} : { system: p.system }), prices: ctx.config.prices, context_limit: p.context_limit,
    progress: (d) => ctx.progress(d),
    // Token counts per text digest in state.db: a changed split (or any rerun over the same texts) retokenizes nothing.
    ...(ctx.chunks ? { countCache: (name: string) => ctx.chunks!(name) } : {}),
  });
  for (const w of report.warnings) ctx.warn(w);
  // --yes accepts an over-budget estimate (the train stage's cost guard asks again before any job is created).
  const isCost = (f: string) => f.startsWith('estimated training cost');
  if (ctx.options.yes) for (const f of report.failures.filter(isCost)) ctx.warn(`${f}; accepted with --yes`);
  const failures = ctx.options.yes ? report.failures.filter((f) => !isCost(f)) : report.failures;
  if (failures.length > 0) throw failureError({ ...report, failures });
  await copyFile(ctx.inputs.train!.path, ctx.output('train'));
  await copyFile(ctx.inputs.valid!.path, ctx.output('valid'));
  await writeJson(ctx.output('report'), report);
  const e = report.estimate;
  const train = report.splits.train;
  return {
    rows: { train: train.examples, valid: report.splits.valid?.examples ?? 0 },
    summary: `${train.tokens.total.toLocaleString('en-US')} train tokens, ${report.classes ? `${report.classes.length} classes, ` : ''}` +
      `~${e.billed_tokens.toLocaleString('en-US')} billed over ${e.n_epochs} epochs${e.cost_usd === null ? '' : ` ≈ ${formatUsd(e.cost_usd)}`}`,
    lock: { estimated_cost_usd: e.cost_usd, estimated_billed_tokens: e.billed_tokens, n_epochs: e.n_epochs, ...(tokenizer.record ? { tokenizer: tokenizer.record } : {}) },
  };
}

/**
 * A cache hit of an open model whose tokenizer came from the Hugging Face cache (not in the key: keys never depend on
 * the machine) is stale when that tokenizer changed, or when the result was counted with tiktoken.
 */
export async function restore(ctx: RestoreContext<TokencheckParams>): Promise<'ok' | 'stale'> {
  const change = findTokenizerChange(ctx.lock.tokenizer, tokenizerRequest(ctx));
  if (change === undefined) return 'ok';
  ctx.warn(`${change}: counting again`);
  return 'stale';
}

/** One error listing every failure; a cost-only failure gets the TUNEFILE_COST code. */
function failureError(report: TokenReport): TunefileError {
  const [first, ...rest] = report.failures;
  const message = `${first}${rest.length ? ` (and ${rest.length} more problem(s))` : ''}`;
  const details = rest.map((f) => `- ${f}`);
  if (report.failures.every((f) => f.startsWith('estimated training cost'))) {
    return new TunefileError('TUNEFILE_COST', message, { hint: 'raise max_cost_usd, use a cheaper model, or train on fewer examples or epochs' });
  }
  const hint = report.failures.some((f) => f.includes('share the first token'))
    ? 'recode the labels with suffix `labels: auto` (distinct single-token codes), or set `distinct_first_token: false`'
    : undefined;
  return new DataError(message, { details, hint });
}
