// Test harness: runs one stage type for real (real files, real schema defaults) outside the engine.
// Used by stage unit tests; the context comes from the engine's builder (src/stages/context.ts).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { hashFile } from '../../src/store/hash.ts';
import type { Provider } from '../../src/providers/types.ts';
import type { ResolvedConfig } from '../../src/shared/config-types.ts';
import type { ArtifactRef, JournalEntry, StageDef, StageResult } from '../../src/stages/types.ts';
import { makeStageContext, type ContextPipeline } from '../../src/stages/context.ts';
import { tempDir } from './temp.ts';

export interface TestRunOptions<P> {
  /** Raw `with:` values; schema defaults are applied as in a pipeline. */
  params?: Partial<P> | Record<string, unknown>;
  /** Input artifacts by name -> file path. */
  inputs?: Record<string, string>;
  /** Folder relative paths resolve against (the pipeline's folder). @default a new temp folder */
  dir?: string;
  model?: string;
  env?: Record<string, string | undefined>;
  config?: Partial<ResolvedConfig>;
  provider?: () => Promise<Provider>;
  yes?: boolean;
  allowOutside?: boolean;
}

export interface TestRunResult {
  outputs: Record<string, ArtifactRef>;
  result: StageResult | void;
  warnings: string[];
  progress: string[];
  params: Record<string, unknown>;
  /** Output NAME's bytes as UTF-8 text. */
  text(name: string): string;
  /** Output NAME parsed as JSONL records. */
  records(name: string): Record<string, unknown>[];
  /** Output NAME parsed as JSON. */
  json(name: string): any;
}

/** Applies a stage type's schema defaults to raw params; throws with ajv's errors when invalid. */
export function resolveParams(def: StageDef, raw: Record<string, unknown>): Record<string, unknown> {
  const ajv = new Ajv2020({ useDefaults: true, allErrors: true, strict: false });
  const params = structuredClone(raw);
  const validate = ajv.compile(def.schema);
  if (!validate(params)) {
    throw new Error(`invalid params for ${def.type}: ${ajv.errorsText(validate.errors)}`);
  }
  return params;
}

/** Runs `def` with real files in a temp folder and returns its outputs. */
export async function runStageForTest<P>(def: StageDef<P>, options: TestRunOptions<P> = {}): Promise<TestRunResult> {
  const dir = resolve(options.dir ?? tempDir('tunefile-stage-'));
  const work = tempDir('tunefile-out-');
  const params = resolveParams(def as StageDef, (options.params ?? {}) as Record<string, unknown>);
  const inputs: Record<string, ArtifactRef> = {};
  for (const [name, path] of Object.entries(options.inputs ?? {})) {
    const abs = resolve(dir, path);
    inputs[name] = { ...(await hashFile(abs)), path: abs };
  }
  const files: Record<string, string> = {};
  for (const f of def.workspaceFiles?.(params as P, dir) ?? []) files[f] = (await hashFile(f)).hash;
  const warnings: string[] = [];
  const progress: string[] = [];
  const kvs = new Map<string, Map<string, unknown>>();
  const journal = new Map<string, JournalEntry>();
  const controller = new AbortController();
  const pipeline: ContextPipeline = {
    relFile: 'test.yaml',
    dir,
    projectRoot: dir,
    name: 'test',
    model: options.model ?? 'babbage-002',
    allowOutside: options.allowOutside ?? false,
    config: { provider: 'local', jobs: 2, prices: {}, poll: { interval_ms: 50, max_interval_ms: 500 }, ...options.config },
  };
  // The engine's own context builder, with in-memory storage (no chunk logs) and outputs and scratch in one folder.
  const ctx = makeStageContext<P>({
    type: def.type,
    id: def.type,
    key: 'test-key',
    params: params as P,
    inputs,
    files,
    pipeline,
    state: {
      kv: (ns) => {
        let m = kvs.get(ns);
        if (!m) kvs.set(ns, (m = new Map()));
        const store = m;
        return {
          get: (k) => store.get(k) as never,
          set: (k, v) => void store.set(k, v),
          setMany: (entries) => { for (const [k, v] of entries) store.set(k, v); },
          delete: (k) => void store.delete(k),
        };
      },
      journal: {
        get: (k) => journal.get(k),
        put: (e) => void journal.set(e.stageKey, e),
        remove: (k) => void journal.delete(k),
      },
    },
    progress: (d) => void progress.push(d),
    warn: (m) => void warnings.push(m),
    signal: controller.signal,
    env: options.env ?? {},
    providerIdentity: { type: 'local' },
    provider: options.provider ?? (() => Promise.reject(new Error('no provider in this test'))),
    options: { yes: options.yes ?? false, force: false, verify: false },
  }, work, work);
  const impl = await def.impl();
  const result = await impl.run(ctx);
  const outputs: Record<string, ArtifactRef> = {};
  for (const name of def.outputs(params as P)) {
    const path = join(work, name);
    const rows = result?.rows?.[name];
    outputs[name] = { ...(await hashFile(path)), path, ...(rows === undefined ? {} : { rows }) };
  }
  const text = (name: string) => {
    const ref = outputs[name];
    if (!ref) throw new Error(`no output ${name}`);
    return readFileSync(ref.path, 'utf8');
  };
  return {
    outputs, result, warnings, progress, params,
    text,
    records: (name) => text(name).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>),
    json: (name) => JSON.parse(text(name)),
  };
}
