// Running one stage type outside a pipeline, for real (real files, the schema's defaults), in a folder of its own:
// prepare runs the data stages this way, and so does the stage test harness. The context comes from the engine's
// builder (context.ts), with in-memory storage, so a stage sees the same thing as in a run.
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { UsageError } from '../errors.ts';
import type { Provider, ProviderIdentity } from '../providers/types.ts';
import type { ResolvedConfig } from '../shared/config-types.ts';
import { makeStageContext, type ContextPipeline } from './context.ts';
import { runStageImpl } from './pass.ts';
import type { ArtifactRef, JournalEntry, StageDef, StageKv, StageResult } from './types.ts';

export interface StandaloneOptions {
  /** Raw `with:` values; the schema's defaults are applied as in a pipeline. */
  params?: Record<string, unknown>;
  /** Input artifacts by name (paths of files that hold them, with their hashes when known). */
  inputs?: Record<string, ArtifactRef>;
  /** Folder relative paths in params resolve against (the pipeline's folder), and the project root for messages. */
  dir: string;
  /** Folder the stage writes its outputs (`<name>`) and scratch files into. */
  out: string;
  /** Workspace files the stage reads, with their hashes (StageContext.files). */
  files?: Record<string, string>;
  /** The pipeline file and name the stage's messages and reports give. @default `<type>.yaml`, `<type>` */
  pipelineFile?: string;
  pipelineName?: string;
  /** The pipeline's default model. @default "babbage-002" */
  model?: string;
  config?: Partial<ResolvedConfig>;
  env?: Readonly<Record<string, string | undefined>>;
  providerIdentity?: ProviderIdentity;
  provider?: () => Promise<Provider>;
  yes?: boolean;
  allowOutside?: boolean;
  signal?: AbortSignal;
  /** Called with each warning (they are also returned). */
  warn?(message: string): void;
  /** Called with each notice (they are also returned). */
  notice?(message: string): void;
  progress?(detail: string): void;
}

export interface StandaloneResult {
  result: StageResult | void;
  /** The params as the stage saw them (defaults applied). */
  params: Record<string, unknown>;
  warnings: string[];
  notices: string[];
  /** The path of output NAME. */
  output(name: string): string;
}

let ajv: Ajv2020 | undefined;
const validators = new WeakMap<StageDef, ReturnType<Ajv2020['compile']>>();

/** A stage type's params with its schema's defaults applied; throws a UsageError listing what is invalid. */
export function withDefaults(def: StageDef, raw: Record<string, unknown>): Record<string, unknown> {
  ajv ??= new Ajv2020({ useDefaults: true, allErrors: true, strict: false });
  let validate = validators.get(def);
  if (!validate) validators.set(def, (validate = ajv.compile(def.schema)));
  const params = structuredClone(raw);
  if (!validate(params)) throw new UsageError(`invalid params for ${def.type}: ${ajv.errorsText(validate.errors, { dataVar: 'with' })}`);
  return params;
}

/** Runs stage type `def` once with `options`; its outputs are left in `options.out`. */
export async function runStandalone(def: StageDef, options: StandaloneOptions): Promise<StandaloneResult> {
  const params = withDefaults(def, options.params ?? {});
  const warnings: string[] = [];
  const notices: string[] = [];
  const kvs = new Map<string, Map<string, unknown>>();
  const journal = new Map<string, JournalEntry>();
  const pipeline: ContextPipeline = {
    relFile: options.pipelineFile ?? `${def.type}.yaml`,
    dir: options.dir,
    projectRoot: options.dir,
    name: options.pipelineName ?? def.type,
    model: options.model ?? 'babbage-002',
    allowOutside: options.allowOutside ?? false,
    config: { provider: 'local', jobs: 2, prices: {}, poll: { interval_ms: 50, max_interval_ms: 500 }, ...options.config },
  };
  const ctx = makeStageContext({
    type: def.type,
    id: def.type,
    key: 'standalone',
    params,
    inputs: options.inputs ?? {},
    files: options.files ?? {},
    pipeline,
    state: { kv: (ns) => memoryKv(kvs, ns), journal: { get: (k) => journal.get(k), put: (e) => void journal.set(e.stageKey, e), remove: (k) => void journal.delete(k) } },
    progress: (detail) => options.progress?.(detail),
    warn: (message) => {
      warnings.push(message);
      options.warn?.(message);
    },
    notice: (message) => {
      notices.push(message);
      options.notice?.(message);
    },
    signal: options.signal ?? new AbortController().signal,
    env: options.env ?? {},
    providerIdentity: options.providerIdentity ?? { type: 'local' },
    provider: options.provider ?? (() => Promise.reject(new Error(`${def.type}: no provider outside a pipeline`))),
    options: { yes: options.yes ?? false, force: false, verify: false },
  }, options.out, options.out);
  const result = await runStageImpl(def, await def.impl(), ctx);
  return { result, params, warnings, notices, output: (name) => join(options.out, name) };
}

function memoryKv(kvs: Map<string, Map<string, unknown>>, namespace: string): StageKv {
  let m = kvs.get(namespace);
  if (!m) kvs.set(namespace, (m = new Map()));
  const store = m;
  return {
    get: (k) => store.get(k) as never,
    set: (k, v) => void store.set(k, v),
    setMany: (entries) => {
      for (const [k, v] of entries) store.set(k, v);
    },
    delete: (k) => void store.delete(k),
  };
}
