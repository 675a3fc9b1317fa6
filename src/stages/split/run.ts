// Runs `split` through src/data/split.
import { writeJson } from '../../data/jsonl.ts';
import { splitFile } from '../../data/split.ts';
import type { StageContext, StageResult } from '../types.ts';
import type { SplitParams } from './index.ts';

export async function run(ctx: StageContext<SplitParams>): Promise<StageResult> {
  const report = await splitFile(ctx.inputs.dataset!.path, ctx.output('train'), ctx.output('valid'), ctx.params);
  await writeJson(ctx.output('report'), report);
  for (const w of report.warnings) ctx.warn(w);
  const n = (x: number) => x.toLocaleString('en-US');
  const how = report.stratified ? `stratified over ${report.classes?.length ?? 0} classes` : 'not stratified';
  return {
    rows: { train: report.train, valid: report.valid },
    summary: `${n(report.train)} train / ${n(report.valid)} valid, ${how}, seed ${report.seed}`,
  };
}
