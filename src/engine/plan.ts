// What a run would do and why: the basis of `status` and `run --dry-run`. Reads state; runs nothing.
import type { LoadedPipeline } from '../pipeline/types.ts';
import { getStageDef } from '../stages/registry.ts';
import type { ArtifactRef, StageDef } from '../stages/types.ts';
import { resolveProviderIdentity, identityString } from '../providers/index.ts';
import { checkOutput, openStore, type OutputProblem } from '../store/index.ts';
import { readLockFile } from './lockfile.ts';
import { isForced } from './force.ts';
import { explainChange } from './reasons.ts';
import { resolveStageKey } from './stage-key.ts';
import { selectStages } from './execute.ts';
import { outputRefs } from './output-refs.ts';

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
  /** The cwd of the command: messages show paths relative to it. */
  cwd: string;
  /** The wall clock in ms (the stat cache's racy-file check). */
  now: () => number;
  stages?: string[];
  downstream?: boolean;
  force?: boolean | string[];
}

/**
 * The stages whose restore checks remote state (StageDef.checksRemote) but need not in this run: no selected
 * stage reading their outputs may run. A reader may run when the plan runs it, or when it is itself a cache hit
 * that checks and is needed (its check may answer 'stale'). A stage no selected stage reads is needed: its outputs
 * are what the run is for. Empty, without planning, when no stage type checks.
 */
export async function unreadOutputs(pipeline: LoadedPipeline, options: PlanOptions): Promise<Set<string>> {
  const unread = new Set<string>();
  if (!pipeline.stages.some((s) => getStageDef(s.type)?.checksRemote)) return unread;
  const planned = await planPipeline(pipeline, options);
  const action = new Map(planned.map((p) => [p.id, p.action]));
  const mayRun = new Map<string, boolean>();
  // The plan is in execution order, so a stage's readers come after it: decide from the last stage back.
  for (const { id, type } of [...planned].reverse()) {
    const readers = pipeline.stages.filter((s) => action.has(s.id) && s.needs.includes(id));
    const needed = readers.length === 0 || readers.some((r) => mayRun.get(r.id));
    const checks = getStageDef(type)?.checksRemote === true;
    if (checks && !needed) unread.add(id);
    mayRun.set(id, action.get(id) === 'run' || (checks && needed));
  }
  return unread;
}

/** StageDef.restoreWork for a cache hit; a hook that fails says why instead of failing the whole plan. */
function restoreWorkOf(def: StageDef, params: Record<string, unknown>, pipeline: LoadedPipeline, outputs: Record<string, ArtifactRef>): string | undefined {
  if (!def.restoreWork) return undefined;
  try {
    return def.restoreWork(params, { pipelineDir: pipeline.dir, projectRoot: pipeline.projectRoot, outputs });
  } catch (error) {
    return `cannot tell what restoring it would redo (${(error as Error).message}): run restores it`;
  }
}

/**
 * Each selected stage's state with reasons. A stage is up-to-date when its key equals the lock entry's and
 * its outputs are in the cache; a stage below a stale one is stale because its inputs will be rebuilt.
 */
export async function planPipeline(pipeline: LoadedPipeline, options: PlanOptions): Promise<PlannedStage[]> {
  const store = openStore(pipeline.projectRoot, { now: options.now });
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
      const forced = isForced(options.force, id);
      const pendingUp = stage.needs.filter((up) => !known.has(up));
      if (pendingUp.length > 0) {
        const reasons = pendingUp.map((up) => `upstream stage '${up}' will ${planned.get(up)?.state === 'never-run' ? 'run for the first time' : 'rerun'}`);
        planned.set(id, { id, type: stage.type, state: prev ? 'stale' : 'never-run', action: 'run', key: null, reasons: prev ? reasons : ['never run', ...reasons] });
        continue;
      }
      let resolved;
      try {
        resolved = await resolveStageKey({ pipeline, stage, def, state: store.state, upstream: (up) => known.get(up), provider, cwd: options.cwd, now: options.now });
      } catch (error) {
        planned.set(id, { id, type: stage.type, state: prev ? 'stale' : 'never-run', action: 'run', key: null, reasons: [(error as Error).message] });
        continue;
      }
      const reasons = explainChange(prev, resolved.parts, resolved.producers, stage.refs);
      const record = store.state.getRun(resolved.key);
      // A tree output is checked file by file (sizes only): a file blob gone is a miss too.
      const problems = record ? stage.outputs.map((name): [string, OutputProblem | undefined] => {
        const out = record.outputs[name];
        return [name, out ? checkOutput(store, out) : { status: 'missing', hash: '' }];
      }) : [];
      const missing = problems.filter(([, problem]) => problem !== undefined);
      const cached = record !== undefined && missing.length === 0;
      // Stages below a forced one will see new outputs: their keys are unknown until it runs. A plan builds no folder.
      if (cached && !forced) known.set(id, outputRefs(store, record.outputs, false));
      for (const [name, problem] of missing) reasons.push(`output '${name}' is missing from the cache${problem?.path === undefined ? '' : ` (file ${problem.path})`}`);
      if (forced) reasons.unshift('forced');
      // What the restore of a cache hit would redo outside the cache (report copies): the stage is not up to date.
      const work = cached && !forced ? restoreWorkOf(def, stage.params, pipeline, known.get(id)!) : undefined;
      const upToDate = cached && !forced && prev?.key === resolved.key && work === undefined;
      const state: StageState = upToDate ? 'up-to-date' : prev || cached ? 'stale' : 'never-run';
      if (cached && !forced && prev?.key !== resolved.key) reasons.push('in the run-cache: run restores it without rerunning');
      if (work !== undefined) reasons.push(work);
      planned.set(id, { id, type: stage.type, state, action: cached && !forced ? 'restore' : 'run', key: resolved.key, reasons: upToDate ? [] : reasons });
    }
    return [...planned.values()];
  } finally {
    store.close();
  }
}
