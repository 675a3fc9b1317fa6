// Whether a stage may reuse a cached run: the one cache-hit check of execute and the streaming pass.
import type { StageDef } from '../stages/types.ts';
import type { PipelineStage } from '../pipeline/types.ts';
import type { RunRecord } from '../store/index.ts';
import { suspectInput, suspectReason } from './blob-trust.ts';
import { isForced } from './force.ts';
import type { ExecuteOptions } from './execute.ts';
import type { ResolvedStageKey } from './stage-key.ts';
import { lookupCache, type Emit } from './stage-run.ts';

/**
 * The cached run a stage can reuse, or none with the reasons it runs: forced, an input whose blob is suspect, or a
 * cache miss (the miss's reason replaces 'never run'). `reasons` are the stage's key-change reasons.
 */
export async function checkCache(
  def: StageDef,
  stage: PipelineStage,
  resolved: ResolvedStageKey,
  reasons: string[],
  options: ExecuteOptions,
  emit: Emit,
): Promise<{ record?: RunRecord; reasons: string[] }> {
  const known = reasons.filter((r) => r !== 'never run');
  if (isForced(options.force, stage.id)) return { reasons: ['forced', ...known] };
  const suspect = suspectInput(resolved.inputs, options.trust, options.verify);
  if (suspect !== undefined) return { reasons: [...known, suspectReason(suspect)] };
  const hit = await lookupCache(def, stage, resolved, options, emit);
  if (hit.record) return { record: hit.record, reasons };
  return { reasons: hit.reason ? [...known, hit.reason] : reasons };
}
