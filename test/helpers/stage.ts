// Test harness: runs one stage type for real (real files, real schema defaults) outside the engine, through
// src/stages/standalone.ts (the engine's context builder with in-memory storage). Used by stage unit tests.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { hashFile } from '../../src/store/hash.ts';
import type { Provider } from '../../src/providers/types.ts';
import type { ResolvedConfig } from '../../src/shared/config-types.ts';
import type { ArtifactRef, StageDef, StageResult } from '../../src/stages/types.ts';
import { runStandalone, withDefaults } from '../../src/stages/standalone.ts';
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
  notices: string[];
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
  return withDefaults(def, raw);
}

/** Runs `def` with real files in a temp folder (src/stages/standalone.ts, as prepare does) and returns its outputs. */
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
  const progress: string[] = [];
  const run = await runStandalone(def as StageDef, {
    params, inputs, files, dir, out: work, pipelineFile: 'test.yaml', pipelineName: 'test', model: options.model, config: options.config, env: options.env,
    provider: options.provider, yes: options.yes, allowOutside: options.allowOutside, progress: (d) => void progress.push(d),
  });
  const { result, warnings, notices } = run;
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
    outputs, result, warnings, notices, progress, params,
    text,
    records: (name) => text(name).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>),
    json: (name) => JSON.parse(text(name)),
  };
}
