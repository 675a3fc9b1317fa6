// Runs `suffix` through src/data/suffix.
import { suffixFile } from '../../data/suffix.ts';
import type { StageContext, StageResult } from '../types.ts';
import type { SuffixParams } from './index.ts';

export async function run(ctx: StageContext<SuffixParams>): Promise<StageResult> {
  const p = ctx.params;
  const model = p.model ?? ctx.model;
  const report = await suffixFile(
    ctx.inputs.dataset!.path, ctx.output('dataset'),
    { prompt: p.prompt, completion: p.completion, leading_space: p.leading_space, labels: p.labels, model },
    p.labels === undefined ? undefined : ctx.output('labels'),
  );
  for (const w of report.warnings) ctx.warn(w);
  const parts = [];
  if (report.separator !== null) parts.push(`separator ${JSON.stringify(report.separator)}`);
  if (report.ending !== null) parts.push(`ending ${JSON.stringify(report.ending)}`);
  if (report.labels) parts.push(`${Object.keys(report.labels.labels).length} label codes for ${report.labels.encoding}`);
  const lock: Record<string, unknown> = { separator: report.separator, ending: report.ending };
  return { rows: { dataset: report.records }, summary: parts.join(', ') || 'chat records unchanged', lock };
}
