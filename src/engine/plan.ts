// What a run would do and why: the basis of `status` and `run --dry-run`. Reads state; runs nothing.
import type { LoadedPipeline } from '../pipeline/types.ts';
import { getStageDef } from '../stages/registry.ts';
import type { ArtifactRef } from '../stages/types.ts';
import { resolveProviderIdentity, identityString } from '../providers/index.ts';
import { openStore } from '../store/index.ts';
import { readLockFile } from './lockfile.ts';
import { explainChange } from './reasons.ts';
import { resolveStageKey } from './stage-key.ts';
import { selectStages } from './execute.ts';

export type StageState = 'up-to-date' | 'stale' | 'never-run';

export interface PlannedStage {
  id: string;
  type: string;
  state: StageState;
  /** What `run` would do: restore from cache, or run. */
  action: 'restore' | 'run';
  key: string | null;
  reasons: string[];
}

export interface PlanOptions {
  env: Record<string, string | undefined>;
  stages?: string[];
  downstream?: boolean;
  force?: boolean | string[];
}

/**
 * The stages with a `restore` whose outputs no stage of the run will read fresh: each has at least one selected
 * stage reading it, and the plan restores every one of those from the cache. Empty (and no planning) when no
 * selected stage type has a `restore`.
 */
export async function unreadOutputs(pipeline: LoadedPipeline, options: PlanOptions): Promise<Set<string>> {
  const unread = new Set<string>();
  if (!pipeline.stages.some((s) => getStageDef(s.type)?.restores)) return unread;
  const planned = await planPipeline(pipeline, options);
  const action = new Map(planned.map((p) => [p.id, p.action]));
  for (const { id } of planned) {
    if (!getStageDef(pipeline.stages.find((s) => s.id === id)!.type)?.restores) continue;
    const readers = pipeline.stages.filter((s) => action.has(s.id) && s.needs.includes(id));
    if (readers.length > 0 && readers.every((r) => action.get(r.id) === 'restore')) unread.add(id);
  }
  return unread;
}

/**
 * Each selected stage's state with reasons. A stage is up-to-date when its key equals the lock entry's and
 * its outputs are in the cache; a stage below a stale one is stale because its inputs will be rebuilt.
 */
export async function planPipeline(pipeline: LoadedPipeline, options: PlanOptions): Promise<PlannedStage[]> {
  const store = openStore(pipeline.projectRoot);
  try {
    const previous = readLockFile(pipeline.lockFile)?.stages ?? {};
    const provider = identityString(resolveProviderIdentity(pipeline.provider, options.env));
    const known = new Map<string, Record<string, ArtifactRef>>();
    const planned = new Map<string, PlannedStage>();
    const byId = new Map(pipeline.stages.map((s) => [s.id, s]));
    for (const id of selectStages(pipeline, options.stages, options.downstream ?? false)) {
      const stage = byId.get(id)!;
      const def = getStageDef(stage.type)!;
      const prev = previous[id];
      const forced = options.force === true || (Array.isArray(options.force) && options.force.includes(id));
      const pendingUp = stage.needs.filter((up) => !known.has(up));
      if (pendingUp.length > 0) {
        const reasons = pendingUp.map((up) => `upstream stage '${up}' will ${planned.get(up)?.state === 'never-run' ? 'run for the first time' : 'rerun'}`);
        planned.set(id, { id, type: stage.type, state: prev ? 'stale' : 'never-run', action: 'run', key: null, reasons: prev ? reasons : ['never run', ...reasons] });
        continue;
      }
      let resolved;
      try {
        resolved = await resolveStageKey({ pipeline, stage, def, state: store.state, upstream: (up) => known.get(up), provider });
      } catch (error) {
        planned.set(id, { id, type: stage.type, state: prev ? 'stale' : 'never-run', action: 'run', key: null, reasons: [(error as Error).message] });
        continue;
      }
      const reasons = explainChange(prev, resolved.parts, resolved.producers);
      const record = store.state.getRun(resolved.key);
      const missing = record ? stage.outputs.filter((n) => !record.outputs[n] || store.blobs.check(record.outputs[n]!.hash, record.outputs[n]!.bytes) !== 'ok') : [];
      const cached = record !== undefined && missing.length === 0;
      // Stages below a forced one will see new outputs: their keys are unknown until it runs.
      if (cached && !forced) {
        known.set(id, Object.fromEntries(Object.entries(record.outputs).map(([n, o]) => [n, { ...o, path: store.blobs.pathOf(o.hash) }])));
      }
      for (const name of missing) reasons.push(`output '${name}' is missing from the cache`);
      if (forced) reasons.unshift('forced');
      const upToDate = cached && !forced && prev?.key === resolved.key;
      const state: StageState = upToDate ? 'up-to-date' : prev || cached ? 'stale' : 'never-run';
      if (cached && !upToDate && !forced) reasons.push('in the run-cache: run restores it without rerunning');
      planned.set(id, { id, type: stage.type, state, action: cached && !forced ? 'restore' : 'run', key: resolved.key, reasons: upToDate ? [] : reasons });
    }
    return [...planned.values()];
  } finally {
    store.close();
  }
}
