// Runs `dedupe` on a pass (src/stages/pass.ts): rows arrive from the stage before it or its input file; kept rows go on
// to `next`. Writes the report when the input is complete.
import { openDedupe } from './dedupe.ts';
import type { DedupeReport } from './dedupe.ts';
import { writeJson } from '../../data/jsonl.ts';
import { formatRow } from '../../data/records.ts';
import type { RowStage, StageContext, StageResult } from '../types.ts';
import type { DedupeParams } from './index.ts';

export function open(ctx: StageContext<DedupeParams>, next?: RowStage): RowStage {
  const dedupe = openDedupe(ctx.inputs.dataset!.path, ctx.output('dataset'), ctx.params, next);
  return {
    push: (row) => dedupe.push(row),
    end: async () => finish(ctx, await dedupe.end()),
    abort: async () => dedupe.abort?.(),
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
