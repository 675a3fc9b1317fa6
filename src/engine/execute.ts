// Executes a pipeline: independent stages in parallel up to `jobs`, run-cache restores, early cutoff
// (a downstream key depends only on upstream output hashes), and the stop / keep-going failure policy.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TunefileError } from '../errors.ts';
import { getStageDef } from '../stages/registry.ts';
import type { ArtifactRef, StageContext, StageDef, StageResult } from '../stages/types.ts';
import type { LoadedPipeline, PipelineStage } from '../pipeline/types.ts';
import type { ProviderHandle } from '../providers/handle.ts';
import { statKeyOf, sameStat, type Store, type RunRecord } from '../store/index.ts';
import { downstreamOf, topoOrder, upstreamOf, type Graph } from './graph.ts';
import { explainChange } from './reasons.ts';
import { portablePath, resolveStageKey, type ResolvedStageKey } from './stage-key.ts';
import type { RunEvent, RunListener, StageEndEvent, StageStatus } from './events.ts';

export interface ExecuteOptions {
  pipeline: LoadedPipeline;
  store: Store;
  provider: ProviderHandle;
  /** Previous lock entries by stage id, for reasons. */
  previous: Record<string, RunRecord>;
  /** Only these stages and what they need. */
  select?: string[];
  /** With select: also everything below them. */
  downstream?: boolean;
  /** Rerun all (true) or these stages even when cached. */
  force?: boolean | string[];
  keepGoing?: boolean;
  jobs: number;
  verify?: boolean;
  yes?: boolean;
  signal: AbortSignal;
  env: Record<string, string | undefined>;
  listeners: RunListener[];
  now?: () => number;
}

export interface ExecuteResult {
  ok: boolean;
  interrupted: boolean;
  stages: StageEndEvent[];
  /** Run records of stages that ended ran or cached, by id. */
  records: Record<string, RunRecord>;
}

/** The graph of a loaded pipeline. */
export function graphOf(pipeline: LoadedPipeline): Graph {
  return { nodes: pipeline.stages.map((s) => s.id), needs: Object.fromEntries(pipeline.stages.map((s) => [s.id, s.needs])) };
}

/** Which stages a run covers, in execution order. */
export function selectStages(pipeline: LoadedPipeline, select: string[] | undefined, downstream: boolean): string[] {
  const graph = graphOf(pipeline);
  const known = new Set(graph.nodes);
  for (const id of select ?? []) {
    if (!known.has(id)) throw new TunefileError('TUNEFILE_USAGE', `no stage '${id}' in ${pipeline.relFile}`, { hint: `stages: ${graph.nodes.join(', ')}` });
  }
  if (!select || select.length === 0) return topoOrder(graph);
  const roots = downstream ? downstreamOf(graph, select) : new Set(select);
  const wanted = upstreamOf(graph, roots);
  return topoOrder(graph).filter((id) => wanted.has(id));
}

/** Runs the pipeline. Never throws for a stage failure: failures are in the result. */
export async function execute(options: ExecuteOptions): Promise<ExecuteResult> {
  const { pipeline, store } = options;
  const now = options.now ?? Date.now;
  const emit = async (event: RunEvent) => {
    for (const listener of options.listeners) await listener(event);
  };
  const order = selectStages(pipeline, options.select, options.downstream ?? false);
  const byId = new Map(pipeline.stages.map((s) => [s.id, s]));
  const ends = new Map<string, StageEndEvent>();
  const outputs = new Map<string, Record<string, ArtifactRef>>();
  const records: Record<string, RunRecord> = {};
  const running = new Map<string, Promise<void>>();
  let stopped = false;

  await emit({ type: 'run:start', pipeline: pipeline.relFile, stages: order.map((id) => ({ id, type: byId.get(id)!.type })) });

  const finish = async (end: StageEndEvent, record?: RunRecord) => {
    ends.set(end.id, end);
    if (record) records[end.id] = record;
    await emit(end);
  };
  const skip = (id: string, why: string) =>
    finish({ type: 'stage:end', id, stageType: byId.get(id)!.type, status: 'skipped', key: null, durationMs: 0, reasons: [why], outputs: {}, error: null });

  const startStage = (stage: PipelineStage) => {
    const task = runStage(stage, options, outputs, emit, now).then(async ({ end, record }) => {
      if (end.status === 'ran' || end.status === 'cached') outputs.set(stage.id, toRefs(end));
      if (end.status === 'failed' && !options.keepGoing) stopped = true;
      await finish(end, record);
    });
    running.set(stage.id, task.finally(() => running.delete(stage.id)));
  };

  for (;;) {
    if (options.signal.aborted) stopped = true;
    for (const id of order) {
      if (ends.has(id) || running.has(id)) continue;
      const stage = byId.get(id)!;
      const blocked = stage.needs.find((up) => {
        const status = ends.get(up)?.status;
        return status === 'failed' || status === 'skipped';
      });
      if (blocked) {
        await skip(id, `upstream stage '${blocked}' ${ends.get(blocked)!.status === 'failed' ? 'failed' : 'was skipped'}`);
        continue;
      }
      if (stopped) continue;
      const ready = stage.needs.every((up) => outputs.has(up));
      if (ready && running.size < Math.max(1, options.jobs)) startStage(stage);
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  for (const id of order) {
    if (!ends.has(id)) await skip(id, options.signal.aborted ? 'not started: the run was interrupted' : 'not started: an earlier stage failed (use --keep-going to run independent stages)');
  }
  const stages = order.map((id) => ends.get(id)!);
  const ok = stages.every((s) => s.status === 'ran' || s.status === 'cached');
  const interrupted = options.signal.aborted;
  await emit({ type: 'run:end', ok, interrupted });
  return { ok, interrupted, stages, records };
}

function toRefs(end: StageEndEvent): Record<string, ArtifactRef> {
  return Object.fromEntries(Object.entries(end.outputs).map(([name, o]) => [name, { ...o }]));
}

type Emit = (event: RunEvent) => Promise<void>;

/** Runs or restores one stage; returns its end event (never throws). */
async function runStage(
  stage: PipelineStage,
  options: ExecuteOptions,
  upstreamOutputs: Map<string, Record<string, ArtifactRef>>,
  emit: Emit,
  now: () => number,
): Promise<{ end: StageEndEvent; record?: RunRecord }> {
  const started = now();
  const base = { type: 'stage:end' as const, id: stage.id, stageType: stage.type };
  let resolved: ResolvedStageKey | undefined;
  let reasons: string[] = [];
  try {
    const def = getStageDef(stage.type);
    if (!def) throw new TunefileError('TUNEFILE_INVALID_PIPELINE', `unknown stage type '${stage.type}'`);
    resolved = await resolveStageKey({
      pipeline: options.pipeline,
      stage,
      def,
      state: options.store.state,
      upstream: (id) => upstreamOutputs.get(id),
      provider: options.provider.identityString,
    });
    reasons = explainChange(options.previous[stage.id], resolved.parts, resolved.producers);
    const forced = options.force === true || (Array.isArray(options.force) && options.force.includes(stage.id));
    if (forced) {
      reasons = ['forced', ...reasons.filter((r) => r !== 'never run')];
    } else {
      const hit = await lookupCache(def, stage, resolved, options, emit);
      if (hit.record) {
        return {
          end: { ...base, status: 'cached', key: resolved.key, durationMs: now() - started, reasons, outputs: outputSummaries(hit.record, options), error: null, record: hit.record },
          record: hit.record,
        };
      }
      if (hit.reason) reasons = [...reasons.filter((r) => r !== 'never run'), hit.reason];
    }
    await emit({ type: 'stage:start', id: stage.id, reasons });
    const { record, summary } = await runFresh(def, stage, resolved, options, emit);
    return {
      end: { ...base, status: 'ran', key: resolved.key, durationMs: now() - started, reasons, outputs: outputSummaries(record, options), error: null, ...(summary ? { summary } : {}), record },
      record,
    };
  } catch (error) {
    const status: StageStatus = 'failed';
    return {
      end: { ...base, status, key: resolved?.key ?? null, durationMs: now() - started, reasons, outputs: {}, error: messageOf(error) },
    };
  }
}

function messageOf(error: unknown): string {
  if (error instanceof TunefileError) return [error.message, ...error.details, ...(error.hint ? [`hint: ${error.hint}`] : [])].join('\n');
  if (error instanceof Error) return error.message;
  return String(error);
}

function outputSummaries(record: RunRecord, options: ExecuteOptions): StageEndEvent['outputs'] {
  return Object.fromEntries(
    Object.entries(record.outputs).map(([name, o]) => [name, { hash: o.hash, path: options.store.blobs.pathOf(o.hash), bytes: o.bytes, ...(o.rows === undefined ? {} : { rows: o.rows }) }]),
  );
}

/** A usable run record for the key, or why there is none. Corrupt blobs are removed with a warning. */
async function lookupCache(
  def: StageDef,
  stage: PipelineStage,
  resolved: ResolvedStageKey,
  options: ExecuteOptions,
  emit: Emit,
): Promise<{ record?: RunRecord; reason?: string }> {
  const { blobs, state } = options.store;
  const record = state.getRun(resolved.key);
  if (!record) return {};
  for (const name of stage.outputs) {
    const out = record.outputs[name];
    if (!out) return { reason: `output '${name}' is not in the cached run` };
    let check: string = blobs.check(out.hash, out.bytes);
    if (check === 'ok' && options.verify && !(await blobs.verify(out.hash))) check = 'corrupt';
    if (check !== 'ok') {
      if (check !== 'missing') {
        await emit({ type: 'stage:warning', id: stage.id, message: `corrupted cache blob ${out.hash.slice(0, 12)} (output '${name}', ${check}); removed and treated as a miss` });
        blobs.remove(out.hash);
      }
      return { reason: `output '${name}' is missing from the cache` };
    }
  }
  if (def.restores) {
    const impl = await def.impl();
    if (impl.restore) {
      const ctx = { ...baseContext(def, stage, resolved, options, emit), outputs: refsOf(record, options), lock: record };
      if ((await impl.restore(ctx)) === 'stale') return { reason: 'the cached result is no longer valid remotely' };
    }
  }
  return { record };
}

function refsOf(record: RunRecord, options: ExecuteOptions): Record<string, ArtifactRef> {
  return Object.fromEntries(
    Object.entries(record.outputs).map(([n, o]) => [n, { hash: o.hash, bytes: o.bytes, path: options.store.blobs.pathOf(o.hash), ...(o.rows === undefined ? {} : { rows: o.rows }) }]),
  );
}

function baseContext(def: StageDef, stage: PipelineStage, resolved: ResolvedStageKey, options: ExecuteOptions, emit: Emit) {
  const { pipeline, store } = options;
  return {
    id: stage.id,
    address: `${pipeline.relFile}:${stage.id}`,
    key: resolved.key,
    params: stage.params,
    inputs: resolved.inputs,
    pipelineDir: pipeline.dir,
    projectRoot: pipeline.projectRoot,
    pipelineFile: pipeline.relFile,
    model: pipeline.model,
    allowOutside: pipeline.allowOutside,
    files: resolved.files,
    progress: (detail: string) => void emit({ type: 'stage:progress', id: stage.id, detail }),
    warn: (message: string) => void emit({ type: 'stage:warning', id: stage.id, message }),
    signal: options.signal,
    env: options.env,
    config: pipeline.config,
    providerIdentity: options.provider.identity,
    provider: () => options.provider.connect(),
    kv: (namespace: string) => store.state.kv(`${def.type}:${namespace}`),
    journal: store.state.journal(() => Date.now()),
    options: { yes: options.yes ?? false, force: options.force === true || (Array.isArray(options.force) && options.force.includes(stage.id)), verify: options.verify ?? false },
  };
}

/** Runs the stage in a scratch folder, then moves its outputs into the cache and records the run. */
async function runFresh(
  def: StageDef,
  stage: PipelineStage,
  resolved: ResolvedStageKey,
  options: ExecuteOptions,
  emit: Emit,
): Promise<{ record: RunRecord; summary?: string }> {
  const { store, pipeline } = options;
  mkdirSync(store.tmpDir, { recursive: true });
  const scratch = mkdtempSync(join(store.tmpDir, `${stage.id.replace(/[^A-Za-z0-9_-]/g, '_')}-`));
  const outDir = join(scratch, 'out');
  const tmpDir = join(scratch, 'tmp');
  mkdirSync(outDir);
  mkdirSync(tmpDir);
  try {
    const impl = await def.impl();
    const ctx: StageContext = { ...baseContext(def, stage, resolved, options, emit), output: (name: string) => join(outDir, name), tmpDir };
    let result: StageResult | void;
    try {
      result = await impl.run(ctx);
    } catch (error) {
      if (options.signal.aborted && !(error instanceof TunefileError)) {
        throw new TunefileError('TUNEFILE_INTERRUPTED', `${ctx.address}: interrupted`, { cause: error });
      }
      throw error;
    }
    if (options.signal.aborted) throw new TunefileError('TUNEFILE_INTERRUPTED', `${ctx.address}: interrupted`);
    for (const stat of resolved.stats) {
      let now;
      try {
        now = statKeyOf(stat.path);
      } catch {
        now = undefined;
      }
      if (!now || !sameStat(stat, now)) {
        throw new TunefileError('TUNEFILE_STAGE_FAILED', `${ctx.address}: source file ${portablePath(pipeline.projectRoot, stat.path)} changed during the run; nothing was cached`, {
          hint: 'run again once the file is no longer being edited',
        });
      }
    }
    const outputs: RunRecord['outputs'] = {};
    for (const name of stage.outputs) {
      const file = join(outDir, name);
      if (!existsSync(file)) {
        throw new TunefileError('TUNEFILE_STAGE_FAILED', `${ctx.address}: the stage did not write its output '${name}'`);
      }
      const info = await store.blobs.ingest(file);
      const rows = result?.rows?.[name];
      outputs[name] = { ...info, ...(rows === undefined ? {} : { rows }) };
    }
    const extra = result?.lock ?? {};
    const record: RunRecord = {
      ...extra,
      ...resolved.parts,
      key: resolved.key,
      outputs,
    };
    store.state.putRun(record, Date.now());
    return { record, ...(result?.summary ? { summary: result.summary } : {}) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
