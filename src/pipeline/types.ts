// The loaded, validated pipeline: what src/pipeline produces and the engine consumes.
import type { ProviderSpec, ResolvedConfig } from '../shared/config-types.ts';

/** Where an input artifact comes from. */
export interface InputWire {
  stage: string;
  artifact: string;
}

export interface PipelineStage {
  /** The stage id: its key under `stages:`. */
  id: string;
  /** Stage type: `uses`, defaulting to the id. */
  type: string;
  /** Upstream stage ids (explicit `needs`, or the previous stage in the file). */
  needs: string[];
  /** Resolved wiring: input name -> producer. Optional inputs appear only when found. */
  inputs: Record<string, InputWire>;
  /** Output artifact names. */
  outputs: string[];
  /** `with:` after --set, interpolation and schema defaults. */
  params: Record<string, unknown>;
  /** 1-based line of the stage key in the pipeline file. */
  line: number;
  /** `with` paths whose whole value was one reference: `with.run[4]` -> `params.word`. Reasons name the reference. */
  refs?: Record<string, string>;
  /**
   * Strings in `with` that took a value from the environment (`${env.NAME}`), by path inside `with`, with their text
   * as written. They enter keys and lock files as a salted hash (engine/env-values.ts), never as plain text.
   */
  envValues?: { path: (string | number)[]; template: string }[];
  /** Warnings about this stage's resolved params (a followed value in dispute), shown when the stage runs. */
  warnings?: string[];
}

export interface LoadedPipeline {
  /** Absolute path of the pipeline file. */
  file: string;
  /** Path relative to the project root, with forward slashes (for messages and reports). */
  relFile: string;
  /** Absolute folder of the pipeline file. */
  dir: string;
  /** Absolute project root: nearest folder upward with a tunefile config or .git. */
  projectRoot: string;
  /** Absolute path of the lock file beside the pipeline. */
  lockFile: string;
  name: string;
  model: string;
  provider: ProviderSpec;
  params: Record<string, unknown>;
  /** In file order. */
  stages: PipelineStage[];
  /** Opt-in for outputs and report folders outside the project (DESIGN: refused by default). */
  allowOutside: boolean;
  config: ResolvedConfig;
  warnings: string[];
}
