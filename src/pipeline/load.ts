// loadPipeline: read, parse with positions, apply --set, interpolate, validate (schema + rules), wire.
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, sep } from 'node:path';
import { getStageDef } from '../stages/registry.ts';
import { checkWorkspaceFiles } from './check-files.ts';
import type { Diagnostic, SetOverride } from './diagnostics.ts';
import { reportDiagnostics, throwIfErrors } from './diagnostics.ts';
import { findPipelineFile } from './find-pipeline.ts';
import { getGivenParams, resolveFollows } from './follow.ts';
import type { GivenParams } from './follow.ts';
import { interpolate } from './interpolate.ts';
import { isPathPrefix } from './json-path.ts';
import { loadConfig } from './config.ts';
import { displayPath, findProjectRoot } from './paths.ts';
import { RULES, makeRuleContext } from './rules.ts';
import type { RuleContext, StageDraft } from './rules.ts';
import { applySets } from './set-overrides.ts';
import { locatePath, parseYamlSource } from './source.ts';
import type { PathSegment, YamlSource } from './source.ts';
import type { LoadedPipeline, PipelineStage } from './types.ts';
import type { ResolvedConfig, ProviderSpec } from '../shared/config-types.ts';
import { checkPipelineSchema } from './validators.ts';
import { unsafeKeyProblems } from './unsafe-keys.ts';
import { yamlProblems } from './yaml-problems.ts';

export interface LoadPipelineOptions {
  /** The PIPELINE argument; undefined -> `pipeline.yaml` in cwd, then the config's `pipeline` (config searched from cwd upward). */
  file?: string;
  cwd: string;
  env: Record<string, string | undefined>;
  /** Raw --set arguments, "KEY=VALUE". */
  sets?: string[];
  /**
   * Also check the workspace files the stages read (`validate`): they exist, are regular files, and hold what the
   * params name (load: the columns). `run` leaves this to the stages, whose failures are exit 1.
   */
  checkFiles?: boolean;
}

type Data = Record<string, any>;

/**
 * Loads, validates (schema + semantic rules, all errors collected) and resolves a pipeline.
 * @throws PipelineInvalidError (TUNEFILE_INVALID_PIPELINE, TUNEFILE_CYCLE or TUNEFILE_INVALID_CONFIG),
 *   UsageError for a missing file or a bad --set.
 */
export async function loadPipeline(options: LoadPipelineOptions): Promise<LoadedPipeline> {
  return (await loadPipelineTraced(options)).pipeline;
}

/** A loaded pipeline and the environment variables its `${env.NAME}` references looked up (set or not). */
export interface TracedLoad {
  pipeline: LoadedPipeline;
  envNames: string[];
}

/**
 * loadPipeline, also telling which environment variables the result depends on.
 * `known` is the pipeline file and its text when the caller has already found and read them.
 */
export async function loadPipelineTraced(options: LoadPipelineOptions, known?: { file: string; text: string }): Promise<TracedLoad> {
  const file = known?.file ?? (await findPipelineFile(options.file, options.cwd));
  const dir = dirname(file);
  const projectRoot = findProjectRoot(dir);
  const config = await loadConfig(projectRoot, { cwd: options.cwd });
  const source = parseYamlSource(known?.text ?? (await readFile(file, 'utf8')), displayPath(file, options.cwd));
  // Keys like `__proto__` are refused in the pipeline file only: a config may be a package.json with any keys.
  const diagnostics = [...yamlProblems(source), ...unsafeKeyProblems(source)];
  throwIfErrors(source, diagnostics, []);
  const data = readData(source, diagnostics);
  const sets = applySets(data, options.sets ?? []);
  const envNames = new Set<string>();
  const envValues: EnvValues = [];
  const origins = interpolateStages(data, options.env, envNames, diagnostics, envValues);
  const given = getGivenParams(stageEntries(data)); // before the schema fills in defaults
  diagnostics.push(...checkPipelineSchema(data).map((d) => noteOrigin(d, origins)));
  const provider = mergeProvider(data.provider as ProviderSpec | undefined, config.provider);
  const ctx = makeRuleContext(makeDrafts(data, diagnostics), diagnostics, { providerType: typeof provider === 'string' ? provider : provider?.type });
  for (const rule of RULES) rule(ctx);
  if (options.checkFiles) diagnostics.push(...(await checkWorkspaceFiles(ctx.stages, dir)));
  throwIfErrors(source, diagnostics, sets);
  return { pipeline: assemble({ file, dir, projectRoot, config, source, data, ctx, sets, given, origins, envValues }), envNames: [...envNames] };
}

/** The document as plain data; a non-mapping file is an error. Stage and `with` nulls become `{}`. */
function readData(source: YamlSource, diagnostics: Diagnostic[]): Data {
  // yamlProblems has refused aliases that expand too much, naming the line; yaml's own limit (which names none) is off.
  const raw = source.doc.toJS({ maxAliasCount: -1 }) as unknown;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    diagnostics.push({ severity: 'error', kind: 'schema', path: [], message: `a pipeline file must be a mapping with 'version', 'stages', ... (got ${raw === null || raw === undefined ? 'an empty file' : Array.isArray(raw) ? 'a list' : JSON.stringify(raw)})` });
    throwIfErrors(source, diagnostics, []);
  }
  const data = raw as Data;
  if (data.stages !== null && typeof data.stages === 'object' && !Array.isArray(data.stages)) {
    for (const [id, entry] of Object.entries(data.stages)) {
      if (entry === null) data.stages[id] = {};
      const stage = data.stages[id];
      if (stage !== null && typeof stage === 'object' && !Array.isArray(stage) && (stage.with === undefined || stage.with === null)) stage.with = {};
    }
  }
  return data;
}

function stageEntries(data: Data): [string, any][] {
  const stages = data.stages;
  return stages !== null && typeof stages === 'object' && !Array.isArray(stages) ? Object.entries(stages) : [];
}

type Origins = { path: PathSegment[]; ref: string }[];
type EnvValues = { path: PathSegment[]; template: string }[];

/** Interpolates every stage's `with`; returns where whole-value references were replaced. */
function interpolateStages(data: Data, env: Record<string, string | undefined>, envNames: Set<string>, diagnostics: Diagnostic[], envValues: EnvValues): Origins {
  const params = data.params !== null && typeof data.params === 'object' && !Array.isArray(data.params) ? data.params : {};
  const origins: Origins = [];
  for (const [id, entry] of stageEntries(data)) {
    if (entry === null || typeof entry !== 'object' || entry.with === undefined) continue;
    entry.with = interpolate(entry.with, ['stages', id, 'with'], { params, env, origins, envNames, envValues }, diagnostics);
  }
  return origins;
}

/** A stage's whole-value references by `with` path (`with.run[4]` -> `params.word`), for reasons that name them. */
function stageRefs(origins: Origins, id: string): { refs?: Record<string, string> } {
  const refs: Record<string, string> = {};
  for (const o of origins) {
    if (o.path[0] !== 'stages' || o.path[1] !== id || o.path[2] !== 'with') continue;
    const path = o.path.slice(3).reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : `${acc}.${seg}`), 'with');
    refs[path] = o.ref.slice(2, -1).trim();
  }
  return Object.keys(refs).length > 0 ? { refs } : {};
}

/** A stage's strings that took a value from the environment, by path inside `with` (PipelineStage.envValues). */
function stageEnvValues(envValues: EnvValues, id: string): { envValues?: NonNullable<PipelineStage['envValues']> } {
  const mine = envValues.filter((v) => v.path[0] === 'stages' && v.path[1] === id && v.path[2] === 'with').map((v) => ({ path: v.path.slice(3), template: v.template }));
  return mine.length > 0 ? { envValues: mine } : {};
}

/** Adds "(from ${params.seed})" to a schema error about a value that came from a reference. */
function noteOrigin(d: Diagnostic, origins: Origins): Diagnostic {
  const origin = origins.find((o) => isPathPrefix(o.path, d.path));
  return origin ? { ...d, message: `${d.message} (from ${origin.ref})` } : d;
}

function makeDrafts(data: Data, diagnostics: Diagnostic[]): StageDraft[] {
  const errorPaths = diagnostics.filter((d) => d.severity === 'error').map((d) => d.path);
  return stageEntries(data).map(([id, entry], index, all): StageDraft => {
    const stage: Data = entry !== null && typeof entry === 'object' && !Array.isArray(entry) ? entry : {};
    const hasUses = typeof stage.uses === 'string';
    const typeName: string = hasUses ? stage.uses : id;
    const def = getStageDef(typeName);
    const broken = errorPaths.some((p) => isPathPrefix(['stages', id, 'with'], p) || isPathPrefix(['stages', id, 'uses'], p) || (p.length === 2 && p[1] === id));
    return {
      id, typeName, hasUses, def,
      needs: Array.isArray(stage.needs) ? stage.needs.filter((n: unknown): n is string => typeof n === 'string') : index > 0 ? [all[index - 1]![0]] : [],
      overrides: stage.inputs !== null && typeof stage.inputs === 'object' && !Array.isArray(stage.inputs) ? stage.inputs : {},
      params: stage.with !== null && typeof stage.with === 'object' && !Array.isArray(stage.with) ? stage.with : {},
      valid: def !== undefined && !broken,
    };
  });
}

interface AssembleInput {
  file: string; dir: string; projectRoot: string; config: ResolvedConfig; source: YamlSource;
  data: Data; ctx: RuleContext; sets: SetOverride[]; given: GivenParams; origins: Origins; envValues: EnvValues;
}

function assemble({ file, dir, projectRoot, config, source, data, ctx, sets, given, origins, envValues }: AssembleInput): LoadedPipeline {
  const ext = extname(file);
  // Followed params first: a disagreement among downstream stages is a warning of this load.
  const followed = new Map(ctx.stages.map((s) => [s.id, resolveFollows(s, ctx, given, ctx.diagnostics)]));
  const warnings = reportDiagnostics(source, ctx.diagnostics.filter((d) => d.severity === 'warning'), sets);
  return {
    file,
    relFile: relative(projectRoot, file).split(sep).join('/'),
    dir,
    projectRoot,
    lockFile: join(dir, `${basename(file, ext)}.lock`),
    name: typeof data.name === 'string' ? data.name : basename(file, ext),
    model: data.model as string,
    provider: mergeProvider(data.provider as ProviderSpec | undefined, config.provider),
    params: (data.params ?? {}) as Record<string, unknown>,
    stages: ctx.stages.map((s) => ({
      id: s.id,
      type: s.typeName,
      needs: ctx.graph.needs[s.id] ?? [],
      inputs: ctx.wiring[s.id] ?? {},
      outputs: ctx.outputs[s.id] ?? [],
      params: withModelDefault(s.def?.schema, followed.get(s.id)!.params, data.model),
      ...(followed.get(s.id)!.warnings.length > 0 ? { warnings: followed.get(s.id)!.warnings } : {}),
      ...stageRefs(origins, s.id),
      ...stageEnvValues(envValues, s.id),
      line: locatePath(source, ['stages', s.id], 'key').line,
    })),
    allowOutside: data.allow_outside === true,
    config,
    warnings: warnings.map((w) => w.text.split('\n')[0]!),
  };
}

/**
 * Stage types that take a `model` parameter get the pipeline's `model` when `with.model` is absent, so the
 * model enters their key and lock entry (and a change of `model` explains itself as a parameter change).
 */
function withModelDefault(schema: Record<string, unknown> | undefined, params: Record<string, unknown>, model: unknown): Record<string, unknown> {
  const properties = schema?.properties as Record<string, unknown> | undefined;
  if (!properties || !('model' in properties) || params.model !== undefined || typeof model !== 'string') return params;
  return { ...params, model };
}

/**
 * The pipeline's provider, with the config's settings of the same type underneath
 * (a config can hold organization/project/base_url that every pipeline of the project shares).
 */
function mergeProvider(fromPipeline: ProviderSpec | undefined, fromConfig: ProviderSpec): ProviderSpec {
  if (fromPipeline === undefined) return fromConfig;
  const asObject = (spec: ProviderSpec): Exclude<ProviderSpec, string> => (typeof spec === 'string' ? { type: spec } : spec);
  const pipe = asObject(fromPipeline);
  const conf = asObject(fromConfig);
  if (pipe.type !== conf.type) return fromPipeline;
  const merged = { ...conf, ...pipe } as Exclude<ProviderSpec, string>;
  return Object.keys(merged).length === 1 && merged.type !== 'trainer' ? merged.type : merged;
}
