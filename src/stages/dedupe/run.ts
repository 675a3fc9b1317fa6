// Runs `dedupe` through src/data/dedupe and writes its report; streams kept rows when the options allow.
import { DedupeStream, dedupeFile } from '../../data/dedupe.ts';
import type { DedupeReport } from '../../data/dedupe.ts';
import { writeJson } from '../../data/jsonl.ts';
import { formatRow } from '../../data/records.ts';
import type { RowSink, StageContext, StageResult } from '../types.ts';
import type { DedupeParams } from './index.ts';

export async function run(ctx: StageContext<DedupeParams>, next?: RowSink): Promise<StageResult> {
  return finish(ctx, await dedupeFile(ctx.inputs.dataset!.path, ctx.output('dataset'), ctx.params, next));
}

/** One streaming pass (see `dedupe.streams`): rows arrive from the upstream stage, kept rows go on to `next`. */
export function stream(ctx: StageContext<DedupeParams>, next?: RowSink): RowSink {
  const dedupe = new DedupeStream(ctx.inputs.dataset!.path, ctx.output('dataset'), ctx.params, next);
  return {
    push: (record, line) => dedupe.push(record, line),
    pushEncoded: (rows, i) => dedupe.pushEncoded(rows, i),
    end: async () => finish(ctx, await dedupe.end()),
    abort: () => dedupe.abort(),
  };
}

async function finish(ctx: StageContext<DedupeParams>, report: DedupeReport): Promise<StageResult> {
  await writeJson(ctx.output('report'), report);
  if (report.conflicts.length > 0) {
    const c = report.conflicts[0]!;
    const how = ctx.params.conflicts === 'drop' ? 'all their rows were dropped' : 'the first label of each was kept';
    ctx.warn(
      `${report.conflicts.length} prompt(s) have conflicting completions (${how}); first: ` +
      `${c.rows.map((r) => `${formatRow(r.row, r.file)} ${JSON.stringify(r.label)}`).slice(0, 4).join(', ')}`,
    );
  }
  const n = (x: number) => x.toLocaleString('en-US');
  return {
    rows: { dataset: report.output },
    summary: `removed ${n(report.removed)} of ${n(report.input)} (${n(report.duplicates_removed)} duplicates, ${n(report.conflicts_removed)} conflicting)`,
    lock: { removed: report.removed },
  };
}
