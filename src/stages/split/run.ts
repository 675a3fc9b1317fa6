// Runs `split` on a pass (src/stages/pass.ts): the last stage of one, it keeps each row's class as rows arrive, and
// end() writes train and valid.
import { writeJson } from '../../data/jsonl.ts';
import { openSplit } from './split.ts';
import type { SplitReport } from './split.ts';
import type { RowStage, StageContext, StageResult } from '../types.ts';
import type { SplitParams } from './index.ts';

export function open(ctx: StageContext<SplitParams>): RowStage {
  const split = openSplit(ctx.inputs.dataset!.path, ctx.output('train'), ctx.output('valid'), ctx.params);
  return { push: (row) => split.push(row), end: async () => finish(ctx, await split.end()) };
}

async function finish(ctx: StageContext<SplitParams>, report: SplitReport): Promise<StageResult> {
  await writeJson(ctx.output('report'), report);
  for (const w of report.warnings) ctx.warn(w);
  const n = (x: number) => x.toLocaleString('en-US');
  const how = report.stratified ? `stratified over ${report.classes?.length ?? 0} classes` : 'not stratified';
  return {
    rows: { train: report.train, valid: report.valid },
    summary: `${n(report.train)} train / ${n(report.valid)} valid, ${how}, seed ${report.seed}` +
      (report.dropped ? `; dropped ${n(report.dropped.rows)} row(s) of ${report.dropped.classes.length} rare class(es)` : ''),
  };
}
