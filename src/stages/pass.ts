// Running data stages: a pass opens each stage on the next one and feeds the first. A stage run alone is a pass of
// one, fed by the JSONL reader; the engine (engine/stream-pass.ts), the stage test harness and prepare all run stages
// through here, so a data stage has one implementation whichever way it runs.
import { pushFileRows } from '../data/rows.ts';
import type { RowStage, StageContext, StageDef, StageImpl, StageResult } from './types.ts';

/** One stage of a pass: its type, implementation and context. */
export interface PassStage {
  def: StageDef;
  impl: StageImpl;
  ctx: StageContext;
}

/**
 * Runs `stages` (each the `dataset` consumer of the one before) as one pass: a `source` head produces the rows, any
 * other head is fed its `dataset` input file row by row. The stages are ended one by one, in order; `onEnd(k)` is
 * called as soon as stage k is done (the engine starts hashing its outputs there while the later stages finish).
 * On a failure every stage not yet ended is aborted (its files closed) and the error is thrown.
 */
export async function runPass(stages: PassStage[], onEnd?: (k: number) => void): Promise<(StageResult | void)[]> {
  const sinks: RowStage[] = [];
  for (let k = stages.length - 1; k >= 0; k--) {
    const { impl, ctx, def } = stages[k]!;
    if (!impl.open) throw new Error(`stage type '${def.type}' has no open(): it cannot be in a pass`);
    sinks[k] = impl.open(ctx, sinks[k + 1]);
  }
  const results: (StageResult | void)[] = [];
  let ended = 0;
  try {
    const head = stages[0]!;
    if (head.def.rows !== 'source') await pushFileRows(head.ctx.inputs.dataset!.path, sinks[0]!);
    for (; ended < stages.length; ended++) {
      results[ended] = await sinks[ended]!.end();
      onEnd?.(ended);
    }
  } catch (error) {
    for (let k = ended; k < stages.length; k++) await sinks[k]!.abort?.().catch(() => undefined);
    throw error;
  }
  return results;
}

/** Runs one stage: run() for most types, a pass of one for data stages. */
export async function runStageImpl(def: StageDef, impl: StageImpl, ctx: StageContext): Promise<StageResult | void> {
  if (impl.open) return (await runPass([{ def, impl, ctx }]))[0];
  if (!impl.run) throw new Error(`stage type '${def.type}' has neither run() nor open()`);
  return impl.run(ctx);
}
