// Resolves a stage's inputs and workspace files, and computes its key parts.
import { dirname, relative, sep } from 'node:path';
import { TunefileError } from '../errors.ts';
import { hashWithStatCache, type StateDb } from '../store/index.ts';
import type { StatKey } from '../store/state.ts';
import type { StageDef, ArtifactRef } from '../stages/types.ts';
import type { LoadedPipeline, PipelineStage } from '../pipeline/types.ts';
import { computeKey, type KeyParts } from './keys.ts';
import { keyedParams, projectSalt } from './env-values.ts';

export interface ResolvedStageKey {
  parts: KeyParts;
  key: string;
  inputs: Record<string, ArtifactRef>;
  /** Absolute path -> hash, for ctx.files. */
  files: Record<string, string>;
  /** Stat identities seen when hashing, to detect edits during the run. */
  stats: StatKey[];
  /** Input name -> producing stage id, for reasons. */
  producers: Record<string, string>;
}

/** Project-relative path with '/' separators: what enters keys and lock files. */
export function portablePath(projectRoot: string, abs: string): string {
  return relative(projectRoot, abs).split(sep).join('/');
}

/**
 * Key parts of a stage whose upstream outputs are known. Workspace files are hashed once here
 * (through the stat cache) and that snapshot is what the stage is recorded as having used.
 */
export async function resolveStageKey(args: {
  pipeline: LoadedPipeline;
  stage: PipelineStage;
  def: StageDef;
  state: StateDb;
  upstream: (stageId: string) => Record<string, ArtifactRef> | undefined;
  provider: string | undefined;
  /** The run's cwd: messages show source paths relative to it. */
  cwd: string;
  /** The run's clock (ms), for the stat cache. */
  now: () => number;
}): Promise<ResolvedStageKey> {
  const { pipeline, stage, def, state } = args;
  const inputs: Record<string, ArtifactRef> = {};
  const producers: Record<string, string> = {};
  for (const [name, wire] of Object.entries(stage.inputs)) {
    const ref = args.upstream(wire.stage)?.[wire.artifact];
    if (!ref) throw new TunefileError('TUNEFILE_INTERNAL', `${stage.id}: input '${name}' from ${wire.stage}.${wire.artifact} is not available`);
    inputs[name] = ref;
    producers[name] = wire.stage;
  }
  const files: Record<string, string> = {};
  const deps: Record<string, string> = {};
  const stats: StatKey[] = [];
  for (const abs of def.workspaceFiles?.(stage.params, pipeline.dir) ?? []) {
    let hashed;
    try {
      hashed = await hashWithStatCache(state, abs, args.now);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder, not a file' : (error as Error).message;
      throw new TunefileError('TUNEFILE_STAGE_FAILED', `${pipeline.relFile}:${stage.id}: source file ${portablePath(args.cwd, abs)} ${why}`, { cause: error });
    }
    files[abs] = hashed.hash;
    deps[portablePath(pipeline.projectRoot, abs)] = hashed.hash;
    stats.push(hashed.stat);
  }
  const unkeyedParams = new Set(def.unkeyed?.params ?? []);
  const unkeyedInputs = new Set(def.unkeyed?.inputs ?? []);
  // Values from the environment (secrets, often) enter as a salted hash. Not for remote stages: their key must
  // survive a deleted .tunefile/ (and its salt), or a rerun would start a second job; keys reach them via providers.
  const params = def.remote ? stage.params : keyedParams(stage.params, stage.envValues, () => projectSalt(dirname(state.path)));
  const parts: KeyParts = {
    type: def.type,
    version: def.version,
    // Guard-only settings (StageDef.unkeyed) are read at run time and never decide the outputs, so never the key.
    params: unkeyedParams.size === 0 ? params : Object.fromEntries(Object.entries(params).filter(([n]) => !unkeyedParams.has(n))),
    inputs: Object.fromEntries(Object.entries(inputs).filter(([n]) => !unkeyedInputs.has(n)).map(([n, r]) => [n, r.hash])),
    ...(Object.keys(deps).length > 0 ? { deps } : {}),
    ...(def.remote && args.provider ? { provider: args.provider } : {}),
  };
  return { parts, key: computeKey(parts), inputs, files, stats, producers };
}
