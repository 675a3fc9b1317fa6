// Running one stage: its context, cache lookup (with restore), scratch folder, and recording its outputs.
import { constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TunefileError } from '../errors.ts';
import type { ArtifactRef, StageContext, StageDef, StageResult } from '../stages/types.ts';
import { makeBaseContext, makeStageContext, type StageContextParts } from '../stages/context.ts';
import { runStageImpl } from '../stages/pass.ts';
import type { PipelineStage } from '../pipeline/types.ts';
import { checkOutput, describeProblemBlob, ingestOutput, verifyOutput, type OutputProblem, type TreeStore } from '../store/index.ts';
import { hashFile, prepareBlob, statKeyOf, sameStat, type PreparedBlob, type RunRecord } from '../store/index.ts';
import { portablePath, type ResolvedStageKey } from './stage-key.ts';
import type { RunEvent, StageEndEvent } from './events.ts';
import type { ExecuteOptions } from './execute.ts';
import { isForced } from './force.ts';
import { outputRefs } from './output-refs.ts';

export type Emit = (event: RunEvent) => Promise<void>;

export function messageOf(error: unknown): string {
  if (error instanceof TunefileError) return [error.message, ...error.details, ...(error.hint ? [`hint: ${error.hint}`] : [])].join('\n');
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The outputs of a ran or cached stage for its end event; a tree's folder is built (outputRefs) if missing. */
export function outputSummaries(record: RunRecord, options: ExecuteOptions): StageEndEvent['outputs'] {
  return outputRefs(options.store, record.outputs);
}

/**
 * A usable run record for the key, or why there is none. Corrupt blobs are removed with a warning and recorded in
 * the run's BlobTrust; with --verify every output is rehashed (once per run per hash).
 */
export async function lookupCache(
  def: StageDef,
  stage: PipelineStage,
  resolved: ResolvedStageKey,
  options: ExecuteOptions,
  emit: Emit,
): Promise<{ record?: RunRecord; reason?: string }> {
  const { store, trust } = options;
  const record = store.state.getRun(resolved.key);
  if (!record) return {};
  for (const name of stage.outputs) {
    const out = record.outputs[name];
    if (!out) return { reason: `output '${name}' is not in the cached run` };
    let problem: OutputProblem | undefined = checkOutput(store, out);
    if (!problem && options.verify && !trust.verified.has(out.hash)) {
      const verified = await verifyOutput(store, out, trust.verified);
      for (const hash of verified.verified) trust.verified.add(hash);
      problem = verified.problem;
    }
    if (problem) {
      if (problem.status !== 'missing') {
        await emit({ type: 'stage:warning', id: stage.id, message: `corrupted cache ${describeProblemBlob(problem)} (output '${name}', ${problem.status}); removed and treated as a miss` });
        store.blobs.remove(problem.hash);
        // A tree with a bad file is as corrupt as its file: both hashes are suspect for the rest of the run.
        for (const hash of new Set([problem.hash, out.hash])) {
          trust.corrupt.add(hash);
          trust.verified.delete(hash);
        }
      }
      if (trust.corrupt.has(out.hash)) return { reason: `output '${name}' was corrupt in the cache and has been removed` };
      return { reason: `output '${name}' is missing from the cache${problem.path === undefined ? '' : ` (file ${problem.path})`}` };
    }
  }
  if (def.restores) {
    const impl = await def.impl();
    if (impl.restore) {
      const needed = !options.unread?.has(stage.id);
      const ctx = { ...baseContext(def, stage, resolved, options, emit), outputs: refsOf(record, options), lock: record, needed };
      if ((await impl.restore(ctx)) === 'stale') return { reason: 'the cached result is no longer valid remotely' };
    }
  }
  return { record };
}

/** The fields a stage added to its run record (StageResult.lock: remote ids, metrics), without the key parts and outputs. */
export function lockExtras(record: RunRecord): Record<string, unknown> {
  const { type: _t, version: _v, key: _k, params: _p, inputs: _i, outputs: _o, deps: _d, provider: _r, ...extras } = record;
  return extras;
}

/** A cached run's outputs as refs, for its restore(); a tree's folder is built if missing. */
export function refsOf(record: RunRecord, options: ExecuteOptions): Record<string, ArtifactRef> {
  return outputRefs(options.store, record.outputs);
}

/** What a stage's context is made of in a run (see stages/context.ts, which builds it). */
function contextParts(def: StageDef, stage: PipelineStage, resolved: Pick<ResolvedStageKey, 'key' | 'inputs' | 'files'>, options: ExecuteOptions, emit: Emit): StageContextParts<Record<string, unknown>> {
  const { pipeline, store } = options;
  return {
    type: def.type,
    id: stage.id,
    key: resolved.key,
    params: stage.params,
    inputs: resolved.inputs,
    files: resolved.files,
    pipeline,
    state: {
      kv: (namespace) => store.state.kv(namespace),
      chunks: (namespace) => store.state.chunks(namespace),
      journal: store.state.journal(options.now),
    },
    progress: (detail: string) => void emit({ type: 'stage:progress', id: stage.id, detail }),
    warn: (message: string) => void emit({ type: 'stage:warning', id: stage.id, message }),
    notice: (message: string) => void emit({ type: 'stage:notice', id: stage.id, message }),
    signal: options.signal,
    env: options.env,
    providerIdentity: options.provider.identity,
    provider: () => options.provider.connect(),
    options: { yes: options.yes ?? false, force: isForced(options.force, stage.id), verify: options.verify ?? false },
    ...(options.previous[stage.id] ? { previous: lockExtras(options.previous[stage.id]!) } : {}),
  };
}

/** A stage's context without a place for outputs (the base of a restore context). */
export function baseContext(def: StageDef, stage: PipelineStage, resolved: Pick<ResolvedStageKey, 'key' | 'inputs' | 'files'>, options: ExecuteOptions, emit: Emit) {
  return makeBaseContext(contextParts(def, stage, resolved, options, emit));
}

/** A stage run's scratch folder: `out` holds its outputs until they are moved into the cache. */
export interface Scratch {
  dir: string;
  outDir: string;
  tmpDir: string;
}

export function makeScratch(stage: PipelineStage, options: ExecuteOptions): Scratch {
  const { store } = options;
  mkdirSync(store.tmpDir, { recursive: true });
  const dir = mkdtempSync(join(store.tmpDir, `${stage.id.replace(/[^A-Za-z0-9_-]/g, '_')}-`));
  const outDir = join(dir, 'out');
  const tmpDir = join(dir, 'tmp');
  mkdirSync(outDir);
  mkdirSync(tmpDir);
  return { dir, outDir, tmpDir };
}

export function removeScratch(scratch: Scratch): void {
  rmSync(scratch.dir, { recursive: true, force: true });
}

/** The context a stage's run() gets. A `privateInputs` stage gets its inputs as copies in its scratch folder. */
export function runContext(def: StageDef, stage: PipelineStage, resolved: Pick<ResolvedStageKey, 'key' | 'inputs' | 'files'>, options: ExecuteOptions, emit: Emit, scratch: Scratch): StageContext {
  const inputs = def.privateInputs ? privateCopies(resolved.inputs, scratch, options.store.trees) : resolved.inputs;
  return makeStageContext(contextParts(def, stage, { ...resolved, inputs }, options, emit), scratch.outDir, scratch.tmpDir);
}

/**
 * Copies of the input blobs in the scratch folder (`in/<name>`), for stages that run programs tunefile does not
 * control: making a blob read-only is not enough, since `sed -i` replaces a file by renaming a new one over it,
 * which a writable folder allows. The copy is a reflink where the file system can make one. A tree input becomes a
 * folder of copies made from its blobs (not hard links, which would share the cache's bytes).
 */
function privateCopies(inputs: Record<string, ArtifactRef>, scratch: Scratch, trees: TreeStore): Record<string, ArtifactRef> {
  const dir = join(scratch.dir, 'in');
  mkdirSync(dir, { recursive: true });
  return Object.fromEntries(Object.entries(inputs).map(([name, ref]) => {
    const path = join(dir, name);
    if (ref.tree) trees.copyTo(ref.hash, path);
    else copyFileSync(ref.path, path, constants.COPYFILE_FICLONE);
    return [name, { ...ref, path }];
  }));
}

/** Runs the stage in a scratch folder, then moves its outputs into the cache and records the run. */
export async function runFresh(
  def: StageDef,
  stage: PipelineStage,
  resolved: ResolvedStageKey,
  options: ExecuteOptions,
  emit: Emit,
): Promise<{ record: RunRecord; summary?: string }> {
  const scratch = makeScratch(stage, options);
  try {
    const impl = await def.impl();
    const ctx = runContext(def, stage, resolved, options, emit, scratch);
    let result: StageResult | void;
    try {
      result = await runStageImpl(def, impl, ctx);
    } catch (error) {
      throw asInterrupted(error, ctx.address, options);
    }
    return await recordRun(stage, resolved, options, scratch, result);
  } finally {
    removeScratch(scratch);
  }
}

/**
 * Starts hashing and fsyncing the outputs a stage has finished writing (large files are hashed in a thread), for
 * recordRun: in a pass, one stage's outputs get synced while the later stages still run.
 * Outputs not written yet are left to recordRun, which reports them.
 */
export function prepareOutputs(stage: PipelineStage, scratch: Scratch): Map<string, Promise<PreparedBlob>> {
  const hashes = new Map<string, Promise<PreparedBlob>>();
  for (const name of stage.outputs) {
    const file = join(scratch.outDir, name);
    // A folder (a tree) is hashed file by file when recordRun ingests it.
    if (!existsSync(file) || statSync(file).isDirectory()) continue;
    const pending = prepareBlob(file);
    pending.catch(() => undefined); // awaited by recordRun, or dropped when the pass fails
    hashes.set(name, pending);
  }
  return hashes;
}

/** An error thrown while the run was being interrupted becomes the interrupted error. */
export function asInterrupted(error: unknown, address: string, options: ExecuteOptions): unknown {
  if (options.signal.aborted && !(error instanceof TunefileError)) {
    return new TunefileError('TUNEFILE_INTERRUPTED', `${address}: interrupted`, { cause: error });
  }
  return error;
}

/**
 * After a stage's run(): checks that its source files did not change meanwhile, moves its outputs from the
 * scratch folder into the cache and records the run under its key.
 */
export async function recordRun(
  stage: PipelineStage,
  resolved: ResolvedStageKey,
  options: ExecuteOptions,
  scratch: Scratch,
  result: StageResult | void,
  hashed?: Map<string, Promise<PreparedBlob>>,
): Promise<{ record: RunRecord; summary?: string }> {
  const { store, pipeline } = options;
  const address = `${pipeline.relFile}:${stage.id}`;
  if (options.signal.aborted) throw new TunefileError('TUNEFILE_INTERRUPTED', `${address}: interrupted`);
  for (const stat of resolved.stats) {
    let now;
    try {
      now = statKeyOf(stat.path);
    } catch {
      now = undefined;
    }
    if (!now || !sameStat(stat, now)) {
      // Only the ctime moved (a hard link, chmod, or a write that put the same size and mtime back): the bytes decide.
      const metadataOnly = now && now.dev === stat.dev && now.ino === stat.ino && now.size === stat.size && now.mtimeNs === stat.mtimeNs;
      if (metadataOnly && (await hashFile(stat.path)).hash === resolved.files[stat.path]) continue;
      throw new TunefileError('TUNEFILE_STAGE_FAILED', `${address}: source file ${portablePath(pipeline.projectRoot, stat.path)} changed during the run; nothing was cached`, {
        hint: 'run again once the file is no longer being edited',
      });
    }
  }
  const outputs: RunRecord['outputs'] = {};
  for (const name of stage.outputs) {
    if (!existsSync(join(scratch.outDir, name))) {
      throw new TunefileError('TUNEFILE_STAGE_FAILED', `${address}: the stage did not write its output '${name}'`);
    }
  }
  // Outputs are hashed, synced and moved concurrently: one's fsync overlaps the next one's hashing.
  const infos = await Promise.all(stage.outputs.map((name) => ingestOutput(store, join(scratch.outDir, name), { address, output: name }, hashed?.get(name))));
  stage.outputs.forEach((name, i) => {
    const { output, known } = infos[i]!;
    // Bytes this run moved into the cache are known right; a blob that was already there was not read.
    for (const hash of known) options.trust.verified.add(hash);
    const rows = result?.rows?.[name];
    outputs[name] = { ...output, ...(rows === undefined ? {} : { rows }) };
  });
  const extra = result?.lock ?? {};
  const record: RunRecord = {
    ...extra,
    ...resolved.parts,
    key: resolved.key,
    outputs,
  };
  store.state.putRun(record, options.now());
  return { record, ...(result?.summary ? { summary: result.summary } : {}) };
}
