// Runs `suffix` through src/data/suffix; in a streaming pass it rewrites rows as they arrive when the separator and
// ending are given, and otherwise scans them as they arrive and rewrites afterwards.
import { SuffixScan, SuffixStream, suffixFile, suffixStreams } from '../../data/suffix.ts';
import type { SuffixOptions, SuffixReport } from '../../data/suffix.ts';
import type { RowSink, StageContext, StageResult } from '../types.ts';
import type { SuffixParams } from './index.ts';

export async function run(ctx: StageContext<SuffixParams>, next?: RowSink): Promise<StageResult> {
  const labelsOut = ctx.params.labels === undefined ? undefined : ctx.output('labels');
  return finish(ctx, await suffixFile(ctx.inputs.dataset!.path, ctx.output('dataset'), optionsOf(ctx), labelsOut, next));
}

/**
 * One streaming pass (see `suffix.streams`): rows arrive from the upstream stage; with the separator and ending
 * given, rewritten rows go on to `next`; else (a sink) the rows are only scanned, and end() rewrites the input file.
 */
export function stream(ctx: StageContext<SuffixParams>, next?: RowSink): RowSink {
  const options = optionsOf(ctx);
  if (!suffixStreams(options)) {
    const labelsOut = ctx.params.labels === undefined ? undefined : ctx.output('labels');
    const scan = new SuffixScan(ctx.inputs.dataset!.path, ctx.output('dataset'), options, labelsOut);
    return { push: (record) => scan.push(record), end: async () => finish(ctx, await scan.end()) };
  }
  const suffix = new SuffixStream(ctx.output('dataset'), options, next);
  return {
    push: (record, line) => suffix.push(record, line),
    pushEncoded: (rows, i) => suffix.pushEncoded(rows, i),
    end: async () => finish(ctx, await suffix.end()),
    abort: () => suffix.abort(),
  };
}

function optionsOf(ctx: StageContext<SuffixParams>): SuffixOptions {
  const p = ctx.params;
  return { prompt: p.prompt, completion: p.completion, leading_space: p.leading_space, labels: p.labels, model: p.model ?? ctx.model };
}

function finish(ctx: StageContext<SuffixParams>, report: SuffixReport): StageResult {
  for (const w of report.warnings) ctx.warn(w);
  const parts = [];
  if (report.separator !== null) parts.push(`separator ${JSON.stringify(report.separator)}`);
  if (report.ending !== null) parts.push(`ending ${JSON.stringify(report.ending)}`);
  if (report.labels) parts.push(`${Object.keys(report.labels.labels).length} label codes for ${report.labels.encoding}`);
  const lock: Record<string, unknown> = { separator: report.separator, ending: report.ending };
  return { rows: { dataset: report.records }, summary: parts.join(', ') || 'chat records unchanged', lock };
}
