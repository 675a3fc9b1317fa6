// Runs `suffix` on a pass (src/stages/pass.ts): rows arrive from the stage before it or its input file; rewritten rows
// go on to `next`, as they arrive or, when the separator, ending or codes must be chosen first, from end().
import { openSuffix } from './suffix.ts';
import type { SuffixOptions, SuffixReport } from './suffix.ts';
import { findTokenizerChange, getModelTokenizer } from '../../tokens/encoding.ts';
import type { TokenizerRequest } from '../../tokens/encoding.ts';
import type { RestoreContext, RowStage, StageContext, StageResult } from '../types.ts';
import type { SuffixParams } from './index.ts';

export function open(ctx: StageContext<SuffixParams>, next?: RowStage): RowStage {
  const labelsOut = ctx.params.labels === undefined ? undefined : ctx.output('labels');
  const suffix = openSuffix(ctx.inputs.dataset!.path, ctx.output('dataset'), optionsOf(ctx), labelsOut, next);
  return {
    push: (row) => suffix.push(row),
    end: async () => finish(ctx, await suffix.end()),
    abort: async () => suffix.abort?.(),
  };
}

function optionsOf(ctx: StageContext<SuffixParams>): SuffixOptions {
  const p = ctx.params;
  return {
    prompt: p.prompt, completion: p.completion, leading_space: p.leading_space, labels: p.labels, model: p.model ?? ctx.model,
    tokenizer: () => getModelTokenizer(tokenizerRequest(ctx)),
  };
}

/** What decides the tokenizer: the model, `tokenizer:` (relative to the pipeline's folder), and the Hugging Face cache of the environment. */
function tokenizerRequest(ctx: Pick<StageContext<SuffixParams>, 'params' | 'model' | 'pipelineDir' | 'env'>): TokenizerRequest {
  return { model: ctx.params.model ?? ctx.model, tokenizer: ctx.params.tokenizer, pipelineDir: ctx.pipelineDir, env: ctx.env };
}

/**
 * A cache hit with label codes for an open model whose tokenizer came from the Hugging Face cache (not in the key) is
 * stale when that tokenizer changed, or when the codes were chosen with tiktoken.
 */
export async function restore(ctx: RestoreContext<SuffixParams>): Promise<'ok' | 'stale'> {
  if (ctx.params.labels === undefined) return 'ok';
  const change = findTokenizerChange(ctx.lock.tokenizer, tokenizerRequest(ctx));
  if (change === undefined) return 'ok';
  ctx.warn(`${change}: choosing the label codes again`);
  return 'stale';
}

function finish(ctx: StageContext<SuffixParams>, report: SuffixReport): StageResult {
  for (const w of report.warnings) ctx.warn(w);
  const parts = [];
  if (report.separator !== null) parts.push(`separator ${JSON.stringify(report.separator)}`);
  if (report.ending !== null) parts.push(`ending ${JSON.stringify(report.ending)}`);
  if (report.labels) parts.push(`${Object.keys(report.labels.labels).length} label codes for ${report.labels.encoding}`);
  const lock: Record<string, unknown> = { separator: report.separator, ending: report.ending, ...(report.tokenizer ? { tokenizer: report.tokenizer } : {}) };
  return { rows: { dataset: report.records }, summary: parts.join(', ') || 'chat records unchanged', lock };
}
