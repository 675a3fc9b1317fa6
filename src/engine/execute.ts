// Executes a pipeline: independent stages in parallel up to `jobs`, run-cache restores, early cutoff
// (a downstream key depends only on upstream output hashes), and the stop / keep-going failure policy.
import { didYouMean, TunefileError } from '../errors.ts';
import { getStageDef } from '../stages/registry.ts';
import type { ArtifactRef } from '../stages/types.ts';
import type { LoadedPipeline, PipelineStage } from '../pipeline/types.ts';
import type { ProviderHandle } from '../providers/handle.ts';
import type { Store, RunRecord } from '../store/index.ts';
import { downstreamOf, topoOrder, upstreamOf, type Graph } from '../pipeline/graph.ts';
import { explainChange } from './reasons.ts';
import { makeEventRedactor } from './redact-events.ts';
import { resolveStageKey, type ResolvedStageKey } from './stage-key.ts';
import type { RunEvent, RunListener, StageEndEvent, StageStatus } from './events.ts';
import { lockExtras, messageOf, outputSummaries, runFresh, type Emit } from './stage-run.ts';
import { checkCache } from './cache-check.ts';
import { runStreamPass, streamChain, type StageOutcome } from './stream-pass.ts';
import { CorruptInputError, MAX_PRODUCER_RERUNS, verifyInputs, type BlobTrust } from './blob-trust.ts';

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
  /** This run's knowledge of blob bytes: verified and corrupt hashes (makeBlobTrust()). */
  trust: BlobTrust;
  /** Stages whose outputs no stage of this run will read fresh (see unreadOutputs): their restore gets needed: false. */
  unread?: ReadonlySet<string>;
  yes?: boolean;
  signal: AbortSignal;
  env: Record<string, string | undefined>;
  /** The run's cwd: messages show paths relative to it. */
  cwd: string;
  listeners: RunListener[];
  /** The run's wall clock in ms (run records, journal entries, stage timings). */
  now: () => number;
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

/**
 * Checks --stage, --force ID and --downstream against the pipeline before anything runs: an unknown id is a usage
 * error with a did-you-mean (a typo in `--force trian` must not quietly force nothing), and so is --downstream alone.
 * @throws TunefileError TUNEFILE_USAGE
 */
export function validateSelection(pipeline: LoadedPipeline, o: { stages?: string[]; force?: boolean | string[]; downstream?: boolean }): void {
  const ids = pipeline.stages.map((s) => s.id);
  const check = (flag: string, id: string) => {
    if (ids.includes(id)) return;
    const close = didYouMean(id, ids);
    throw new TunefileError('TUNEFILE_USAGE', `${flag} ${id}: no stage '${id}' in ${pipeline.relFile}${close ? `; did you mean '${close}'?` : ''}`, {
      hint: `stages: ${ids.join(', ')}`,
    });
  };
  for (const id of o.stages ?? []) check('--stage', id);
  for (const id of Array.isArray(o.force) ? o.force : []) check('--force', id);
  if (o.downstream && !(o.stages && o.stages.length > 0)) {
    throw new TunefileError('TUNEFILE_USAGE', '--downstream needs --stage: it adds the stages below the selected ones', {
      hint: 'run --stage ID --downstream, or leave out --downstream to run the whole pipeline',
    });
  }
}

/** Which stages a run covers, in execution order. */
export function selectStages(pipeline: LoadedPipeline, select: string[] | undefined, downstream: boolean): string[] {
  const graph = graphOf(pipeline);
  validateSelection(pipeline, { stages: select ?? [] });
  if (!select || select.length === 0) return topoOrder(graph);
  const roots = downstream ? downstreamOf(graph, select) : new Set(select);
  const wanted = upstreamOf(graph, roots);
  return topoOrder(graph).filter((id) => wanted.has(id));
}

/** Runs the pipeline. Never throws for a stage failure: failures are in the result. */
export async function execute(options: ExecuteOptions): Promise<ExecuteResult> {
  const { pipeline } = options;
  const { now } = options;
  // Subscribers (progress, --json, the lock writer) only ever see redacted messages.
  const redactEvent = makeEventRedactor(options.env);
  const emit = async (event: RunEvent) => {
    const safe = redactEvent(event);
    for (const listener of options.listeners) await listener(safe);
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

  // A pass takes only stages not already ended or running (a producer rerun for a corrupt blob may meet either).
  const open = () => new Set(order.filter((id) => !ends.has(id) && !running.has(id)));
  const chainOf = (stage: PipelineStage) => streamChain(stage, pipeline.stages, open());
  /** Outputs of stages sent back to rerun because a consumer found one corrupt, as they were before. */
  const reopened = new Map<string, Record<string, ArtifactRef>>();
  const graph = graphOf(pipeline);
  /** Forgets that a stage ended, so the scheduler starts it again. */
  const forget = (id: string) => {
    ends.delete(id);
    outputs.delete(id);
    delete records[id];
  };
  /** Sends `producer` back to run again (its corrupt output blob is gone, so its cache lookup misses). */
  const reopen = (producer: string) => {
    if (!ends.has(producer)) return; // already sent back by another consumer
    reopened.set(producer, outputs.get(producer) ?? {});
    forget(producer);
  };
  /**
   * A reopened producer made outputs other than before (it is not deterministic): the stages below it that ended
   * were keyed on the old outputs, so they are examined again (most are then cached or run with the new ones).
   */
  const afterRerun = (id: string, refs: Record<string, ArtifactRef>) => {
    const before = reopened.get(id);
    if (!before) return;
    reopened.delete(id);
    const same = Object.entries(refs).every(([name, ref]) => before[name]?.hash === ref.hash);
    if (same) return;
    for (const below of downstreamOf(graph, [id])) {
      if (below !== id && !running.has(below) && ends.has(below)) forget(below);
    }
  };
  const startStage = (stage: PipelineStage) => {
    const task = runStage(stage, options, outputs, emit, now, chainOf(stage)).then(async (result) => {
      if ('rerun' in result) return reopen(result.rerun);
      for (const { end, record } of result) {
        if (end.status === 'ran' || end.status === 'cached') {
          outputs.set(end.id, toRefs(end));
          afterRerun(end.id, outputs.get(end.id)!);
        }
        if (end.status === 'failed' && !options.keepGoing) stopped = true;
        await finish(end, record);
      }
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
  const producerLock = end.record ? lockExtras(end.record) : undefined;
  return Object.fromEntries(Object.entries(end.outputs).map(([name, o]) => [name, { ...o, ...(producerLock ? { producerLock } : {}) }]));
}

/**
 * Runs or restores one stage; returns its end event (never throws). When it must run and `chain` has stages after
 * it (see streamChain), they run in the same streaming pass and their end events follow. Before it runs, its input
 * blobs are verified; a corrupt one is removed and `{rerun: producer}` returned, so the producer makes it again
 * (as a cache miss) and this stage is then started afresh.
 */
async function runStage(
  stage: PipelineStage,
  options: ExecuteOptions,
  upstreamOutputs: Map<string, Record<string, ArtifactRef>>,
  emit: Emit,
  now: () => number,
  chain: PipelineStage[],
): Promise<StageOutcome[] | { rerun: string }> {
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
      cwd: options.cwd,
      now,
    });
    const hit = await checkCache(def, stage, resolved, explainChange(options.previous[stage.id], resolved.parts, resolved.producers, stage.refs), options, emit);
    reasons = hit.reasons;
    if (hit.record) {
      return [{
        end: { ...base, status: 'cached', key: resolved.key, durationMs: now() - started, reasons, outputs: outputSummaries(hit.record, options), error: null, record: hit.record },
        record: hit.record,
      }];
    }
    await emit({ type: 'stage:start', id: stage.id, reasons });
    for (const message of stage.warnings ?? []) await emit({ type: 'stage:warning', id: stage.id, message });
    // Before anything reads an input (or pays for it: remote stages run only after this), its bytes are checked.
    await verifyInputs({
      address: `${options.pipeline.relFile}:${stage.id}`,
      stage,
      inputs: resolved.inputs,
      cache: options.store,
      trust: options.trust,
      warn: (message) => emit({ type: 'stage:warning', id: stage.id, message }),
    });
    if (chain.length > 1) {
      const upstream = (id: string) => upstreamOutputs.get(id);
      const outcomes = await runStreamPass(chain, { def, resolved, reasons, started }, options, upstream, emit, now);
      if (outcomes) return outcomes;
    }
    const { record, summary } = await runFresh(def, stage, resolved, options, emit);
    return [{
      end: { ...base, status: 'ran', key: resolved.key, durationMs: now() - started, reasons, outputs: outputSummaries(record, options), error: null, ...(summary ? { summary } : {}), record },
      record,
    }];
  } catch (error) {
    if (error instanceof CorruptInputError && !options.signal.aborted) {
      const reruns = options.trust.reruns.get(error.producer) ?? 0;
      if (reruns < MAX_PRODUCER_RERUNS) {
        options.trust.reruns.set(error.producer, reruns + 1);
        return { rerun: error.producer };
      }
    }
    const status: StageStatus = 'failed';
    return [{
      end: { ...base, status, key: resolved?.key ?? null, durationMs: now() - started, reasons, outputs: {}, error: messageOf(error) },
    }];
  }
}

