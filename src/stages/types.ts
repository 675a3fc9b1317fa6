// The contract between the engine and stage types. A stage type is data plus run(ctx), or open(ctx) for data stages.
// Stages never import each other; shared code lives in src/data, src/tokens, src/report, src/providers.
import type { Provider, ProviderIdentity } from '../providers/types.ts';
import type { ResolvedConfig } from '../shared/config-types.ts';
import type { RowSink } from '../data/rows.ts';
import type { JobJournal, StageKv } from '../store/state.ts';

/**
 * A cached artifact: an immutable file named by the sha256 of its bytes, or a tree (`tree: true`): a folder named by
 * the sha256 of its manifest (src/store/trees.ts), whose `path` is a real folder of read-only files.
 */
export interface ArtifactRef {
  /** sha256 hex of the bytes (a tree: of its manifest). */
  hash: string;
  /** Absolute path of the blob (read-only), or of a tree's folder (.tunefile/cache/trees/<hash>/, built from the blobs). */
  path: string;
  /** The blob's size, or the total size of a tree's files. */
  bytes: number;
  /** The artifact is a folder: read it with the file system below `path`, never as one file. See isTreeRef. */
  tree?: true;
  /** A tree's number of files. */
  files?: number;
  /** Record count, for JSONL datasets. */
  rows?: number;
  /**
   * The lock fields of the run that produced this artifact (a remote stage's ids: upload's `files`, train's
   * `job_id`), so a consumer uses exactly the remote objects its producer made or verified. Absent in plans.
   */
  producerLock?: Record<string, unknown>;
}

/** Whether an artifact is a folder (a tree) rather than one file. */
export function isTreeRef(ref: Pick<ArtifactRef, 'tree'>): boolean {
  return ref.tree === true;
}

/** Where a cached stage's restore would work, for StageDef.restoreWork. */
export interface RestoreWhere {
  /** Absolute folder of the pipeline file (relative paths in params are relative to it). */
  pipelineDir: string;
  /** Project root; messages name paths relative to it. */
  projectRoot: string;
  /** The cached outputs, by name (blob paths and sizes). */
  outputs: Record<string, ArtifactRef>;
}

/** What a stage's outputs may depend on besides its params. */
export interface StageFacts {
  /** The pipeline's provider type (`local`, `openai`, `together`, `trainer`), when it is valid. */
  providerType?: string;
}

/** JSON schema object (draft 2020-12) for a stage type's `with:` block. */
export type JsonSchema = Record<string, unknown>;

// StageKv, JobJournal and JournalEntry are the store's (state.db) interfaces, re-exported for stage code.
export type { JobJournal, JournalEntry, StageKv } from '../store/state.ts';

/** What a stage's run() receives. Everything outside the stage comes through here. */
export interface StageContext<P = Record<string, unknown>> {
  /** The stage id (its key in `stages:`). */
  id: string;
  /** `pipelines/spam.yaml:split`, for messages. */
  address: string;
  /** The stage key: sha256 of type, version, params, input hashes, files, provider identity. */
  key: string;
  /** Resolved parameters, defaults applied. */
  params: P;
  /** Input artifacts by name. */
  inputs: Record<string, ArtifactRef>;
  /** Absolute folder of the pipeline file; relative paths in params are relative to it. */
  pipelineDir: string;
  /** Project root (folder that holds .tunefile/). */
  projectRoot: string;
  /** The pipeline file path relative to the project root, for messages. */
  pipelineFile: string;
  /** The pipeline's `name` (evaluate's default report title). */
  pipelineName: string;
  /** The pipeline's default `model`. */
  model: string;
  /** The pipeline opted in (`allow_outside: true`) to outputs and report folders outside the project root. */
  allowOutside: boolean;
  /** Workspace files snapshotted into the key (absolute path -> sha256), from workspaceFiles(). */
  files: Record<string, string>;
  /**
   * Absolute path where output NAME must be written: one file, or a folder of regular files (a tree artifact: each
   * file becomes a blob, and consumers get a folder). The engine hashes it and moves it into the cache.
   */
  output(name: string): string;
  /** A scratch folder for this stage run, removed afterwards. */
  tmpDir: string;
  /** Live detail for the progress line (row counts, job status, n/N). */
  progress(detail: string): void;
  /** A warning shown to the user and kept in the run report. */
  warn(message: string): void;
  /**
   * Something the user must act on after the run, such as a billing resource left running and the command that
   * removes it: printed again when the run ends (after the summary line) and kept in the run report's `notices`.
   */
  notice(message: string): void;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  env: Readonly<Record<string, string | undefined>>;
  config: ResolvedConfig;
  /** Provider identity for this pipeline (known without connecting). */
  providerIdentity: ProviderIdentity;
  /** Connects to the pipeline's provider (starting the local server on first use). Remote stages only. */
  provider(): Promise<Provider>;
  /** Per-stage-type persistent storage (file-id cache, token-count cache). */
  kv(namespace: string): StageKv;
  /** Append-only binary chunk logs in state.db, namespaced per stage type (tokencheck's token-count cache); absent outside the engine. */
  chunks?(namespace: string): import('../store/chunk-log.ts').ChunkLog;
  journal: JobJournal;
  /** Run options the user gave. */
  options: { yes: boolean; force: boolean; verify: boolean };
  /**
   * This stage's entry in the pipeline's lock file as it was before the run, whatever its key: the committed
   * record of remote objects (file ids, job id) a stage may reuse once it has verified them. Absent when none.
   */
  previous?: Record<string, unknown>;
}

/** What run() returns. All fields optional. */
export interface StageResult {
  /** Record counts per output name, shown in the lock file and `run --json`. */
  rows?: Record<string, number>;
  /** Extra fields for this stage's lock entry (file ids, job id, fine-tuned model, metrics). JSON only. */
  lock?: Record<string, unknown>;
  /** One line shown when the stage ends. */
  summary?: string;
}

/** Context for a cache hit of a stage type that defines `restore`. */
export interface RestoreContext<P = Record<string, unknown>> extends Omit<StageContext<P>, 'output' | 'tmpDir'> {
  outputs: Record<string, ArtifactRef>;
  /** The `lock` fields the stage returned when it ran. */
  lock: Record<string, unknown>;
  /**
   * False when no stage of this run that reads these outputs may run (engine/plan.ts unreadOutputs): nothing
   * will use them, so a check of remote state (which starts the provider) can wait for a run that does. True
   * when no stage of the run reads them (they are what the run is for). Only false for `checksRemote` types.
   */
  needed: boolean;
}

/**
 * A data stage at work (StageImpl.open): rows of its `dataset` input are pushed in as they arrive (src/data/rows.ts),
 * and end() finishes its outputs once the input is complete. Rows of its own `dataset` output go to the next stage
 * of the pass, during push() or, for a step that needs a second look at the rows, during end().
 */
export type RowStage = RowSink<StageResult | void>;

/** The heavy part of a stage type, imported only when the stage actually runs. */
export interface StageImpl<P = any> {
  /** Runs the stage: every stage type but the data stages (those with `rows` in their def, which have open()). */
  run?(ctx: StageContext<P>): Promise<StageResult | void>;
  /**
   * For stage types with `rows` in their def: opens the stage on a pass (src/stages/pass.ts), with `next`, the stage
   * after it, when there is one. A `source` (load) produces its rows in end(); a `transform` or `sink` is pushed the
   * rows of its `dataset` input, which is complete at ctx.inputs.dataset.path when end() is called. Within a pass
   * the context's `key` is '' (it depends on the upstream output's hash, known only after the pass) and the
   * `dataset` input has no hash yet.
   */
  open?(ctx: StageContext<P>, next?: RowStage): RowStage;
  /**
   * Called on a cache hit. Return 'stale' to rerun the stage (e.g. a remote file is gone).
   * Also the place to re-publish human copies (report folders).
   */
  restore?(ctx: RestoreContext<P>): Promise<'ok' | 'stale'>;
}

/**
 * A stage type: light metadata (used for validation, wiring and keys) plus a lazily imported
 * implementation. Each lives in src/stages/<type>/index.ts (def) and run.ts (impl);
 * register it with one line in src/stages/registry.ts.
 */
export interface StageDef<P = any> {
  type: string;
  /** Implementation version: bump whenever outputs for the same inputs would change. */
  version: number;
  /** One-line description for help and the schema. */
  description: string;
  /** JSON schema of `with:` (type object, additionalProperties false, defaults). */
  schema: JsonSchema;
  /** Artifact names this stage consumes, given its params. */
  inputs(params: P): string[];
  /** Inputs used when present upstream, never an error when absent. */
  optionalInputs?(params: P): string[];
  /** Artifact names this stage produces, given its params and the pipeline's facts (train adds `model` for a self-hosted trainer). */
  outputs(params: P, facts?: StageFacts): string[];
  /** Remote stages have the provider identity in their key and may use ctx.provider(). */
  remote?: boolean;
  /**
   * Parameters and inputs the stage reads without them deciding its outputs, left out of its key (and of its
   * lock entry's key parts): guards read them at run time. Train leaves out `max_cost_usd` and tokencheck's
   * `report`, so a changed cost ceiling or estimate never makes a new job.
   */
  unkeyed?: { params?: readonly string[]; inputs?: readonly string[] };
  /** Workspace files (absolute paths) whose content hashes enter the key (load, command). */
  workspaceFiles?(params: P, pipelineDir: string): string[];
  /**
   * For `validate`: checks of the workspace files against the params, cheap enough for every validate (a header, a
   * first record; never a whole dataset). Called only once every workspace file exists and is a regular file. Each
   * problem names a path inside `with` (e.g. ['prompt']), where validate points with file:line:col.
   */
  checkFiles?(params: P, pipelineDir: string): Promise<{ path: (string | number)[]; message: string }[]>;
  /**
   * The stage works row by row (its implementation has open(), not run()), so it shares one pass over the records
   * with its neighbours: a `source` produces a `dataset`, a `transform` consumes a `dataset` input and produces one,
   * a `sink` only consumes. Only for local, side-effect-free data stages whose outputs depend on nothing but params
   * and inputs. Undefined (the default): the stage runs on its own, through run().
   */
  rows?: 'source' | 'transform' | 'sink';
  /** True when the implementation defines restore(): the engine then imports it on cache hits too. */
  restores?: boolean;
  /**
   * restore() checks remote state (files, a job) and may answer 'stale'. The engine has it check only in a run
   * where a stage reading the outputs may run (RestoreContext.needed), and counts a cache hit that checks as a
   * stage that may run.
   */
  checksRemote?: boolean;
  /**
   * What a cache hit's restore() would redo outside the cache, for `status` and `run --dry-run`: a reason such as
   * "report copies missing in reports/x: run restores them", or undefined when there is nothing to redo. Must be
   * cheap (a few stats and small reads; never a dataset, never the provider): it lives in the def, not the impl.
   */
  restoreWork?(params: P, where: RestoreWhere): string | undefined;
  /**
   * The engine hands run() copies of the input blobs in the stage's scratch folder instead of the blobs' paths:
   * for stages that run programs tunefile does not control (`command`), which could otherwise rewrite the cache
   * (`sed -i` replaces even a read-only file, by renaming a new one over it).
   */
  privateInputs?: boolean;
  /** Imports the implementation: `() => import('./run.ts')`. */
  impl(): Promise<StageImpl<P>>;
  /**
   * Params that default to a downstream stage's: param -> {type, param}. When the user leaves the param unset, the
   * pipeline loader (src/pipeline/follow.ts) gives it the value of `param` of the stages of `type` downstream of this
   * one (transitively through `needs`), so it enters this stage's key. Tokencheck takes train's `n_epochs` this way.
   */
  follows?: Readonly<Record<string, { type: string; param: string }>>;
}
