// Runs `split` through src/data/split; as the last stage of a streaming pass it collects class ids as rows arrive.
import { writeJson } from '../../data/jsonl.ts';
import { SplitStream, splitFile } from '../../data/split.ts';
import type { SplitReport } from '../../data/split.ts';
import type { RowSink, StageContext, StageResult } from '../types.ts';
import type { SplitParams } from './index.ts';

export async function run(ctx: StageContext<SplitParams>): Promise<StageResult> {
  return finish(ctx, await splitFile(ctx.inputs.dataset!.path, ctx.output('train'), ctx.output('valid'), ctx.params));
}

/** One streaming pass (see `split.streams`): pass 1 is fed by the upstream stage; end() writes train and valid. */
export function stream(ctx: StageContext<SplitParams>): RowSink {
  const split = new SplitStream(ctx.inputs.dataset!.path, ctx.output('train'), ctx.output('valid'), ctx.params);
  return {
    push: (record) => split.push(record),
    pushEncoded: (rows, i) => split.pushEncoded(rows, i),
    end: async () => finish(ctx, await split.end()),
  };
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
