// Builds the context a stage's run(), stream() and restore() receive: the one construction shared by the engine
// (engine/stage-run.ts) and the stage test harness (test/helpers/stage.ts), so both give stages the same thing.
import { join } from 'node:path';
import type { ResolvedConfig } from '../shared/config-types.ts';
import type { Provider, ProviderIdentity } from '../providers/types.ts';
import type { ChunkLog } from '../store/chunk-log.ts';
import type { ArtifactRef, JobJournal, StageContext, StageKv } from './types.ts';

/** The pipeline facts a stage sees (a LoadedPipeline has them all). */
export interface ContextPipeline {
  relFile: string;
  dir: string;
  projectRoot: string;
  name: string;
  model: string;
  allowOutside: boolean;
  config: ResolvedConfig;
}

/** Storage kept between runs; kv and chunk-log namespaces are prefixed with the stage type here. */
export interface ContextState {
  kv(namespace: string): StageKv;
  chunks?(namespace: string): ChunkLog;
  journal: JobJournal;
}

/** What a stage context is made of. */
export interface StageContextParts<P> {
  /** The stage type, which namespaces kv and chunk logs. */
  type: string;
  id: string;
  key: string;
  params: P;
  inputs: Record<string, ArtifactRef>;
  files: Record<string, string>;
  pipeline: ContextPipeline;
  state: ContextState;
  progress(detail: string): void;
  warn(message: string): void;
  notice(message: string): void;
  signal: AbortSignal;
  env: Readonly<Record<string, string | undefined>>;
  providerIdentity: ProviderIdentity;
  provider(): Promise<Provider>;
  options: StageContext['options'];
  previous?: Record<string, unknown>;
}

/** A stage context without a place for outputs (what restore() gets, before its outputs are added). */
export function makeBaseContext<P>(parts: StageContextParts<P>): Omit<StageContext<P>, 'output' | 'tmpDir'> {
  const { pipeline, state, type } = parts;
  return {
    id: parts.id,
    address: `${pipeline.relFile}:${parts.id}`,
    key: parts.key,
    params: parts.params,
    inputs: parts.inputs,
    pipelineDir: pipeline.dir,
    projectRoot: pipeline.projectRoot,
    pipelineFile: pipeline.relFile,
    pipelineName: pipeline.name,
    model: pipeline.model,
    allowOutside: pipeline.allowOutside,
    files: parts.files,
    progress: parts.progress,
    warn: parts.warn,
    notice: parts.notice,
    signal: parts.signal,
    env: parts.env,
    config: pipeline.config,
    providerIdentity: parts.providerIdentity,
    provider: parts.provider,
    kv: (namespace) => state.kv(`${type}:${namespace}`),
    ...(state.chunks ? { chunks: (namespace: string) => state.chunks!(`${type}:${namespace}`) } : {}),
    journal: state.journal,
    options: parts.options,
    ...(parts.previous ? { previous: parts.previous } : {}),
  };
}

/** The context run() and stream() get: outputs are written to `outDir/<name>`, scratch files to `tmpDir`. */
export function makeStageContext<P>(parts: StageContextParts<P>, outDir: string, tmpDir: string): StageContext<P> {
  return { ...makeBaseContext(parts), output: (name) => join(outDir, name), tmpDir };
}
