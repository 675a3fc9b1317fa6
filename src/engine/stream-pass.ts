// Streaming passes: consecutive data stages (load -> dedupe -> suffix -> split) that can share one pass over
// the records run together, so the dataset is parsed once instead of once per stage. Each stage still writes
// its own outputs, which are cached under its own key once the pass is over and the upstream hashes are known.
import { join } from 'node:path';
import { getStageDef } from '../stages/registry.ts';
import { runPass } from '../stages/pass.ts';
import type { ArtifactRef, StageDef, StageResult } from '../stages/types.ts';
import type { PipelineStage } from '../pipeline/types.ts';
import type { RunRecord } from '../store/index.ts';
import { explainChange } from './reasons.ts';
import { resolveStageKey, type ResolvedStageKey } from './stage-key.ts';
import { checkCache } from './cache-check.ts';
import type { StageEndEvent } from './events.ts';
import type { ExecuteOptions } from './execute.ts';
import {
  asInterrupted, prepareOutputs, makeScratch, outputSummaries, recordRun, removeScratch, runContext, type Emit, type Scratch,
} from './stage-run.ts';

/** How one stage of a pass ended. */
export interface StageOutcome {
  end: StageEndEvent;
  record?: RunRecord;
}

/**
 * The stages that can share a streaming pass with `head`, head first: each next one is in `selected`, needs only
 * the previous one, takes only its `dataset`, and works row by row (StageDef.rows). A chain of one means no pass.
 */
export function streamChain(head: PipelineStage, stages: PipelineStage[], selected: Set<string>): PipelineStage[] {
  const chain = [head];
  let role = streamsAs(head);
  if (role !== 'source' && role !== 'transform') return chain;
  for (;;) {
    const prev = chain[chain.length - 1]!;
    const next = stages.find((s) => {
      if (!selected.has(s.id) || s.needs.length !== 1 || s.needs[0] !== prev.id) return false;
      const wires = Object.entries(s.inputs);
      return wires.length === 1 && wires[0]![0] === 'dataset' && wires[0]![1].stage === prev.id && wires[0]![1].artifact === 'dataset';
    });
    role = next ? streamsAs(next) : undefined;
    if (!next || (role !== 'transform' && role !== 'sink')) return chain;
    chain.push(next);
    if (role === 'sink') return chain;
  }
}

function streamsAs(stage: PipelineStage): StageDef['rows'] {
  const def = getStageDef(stage.type);
  return def && !def.remote ? def.rows : undefined;
}

/** What runStreamPass needs about the head, which the caller has already keyed and found not cached. */
export interface PassHead {
  def: StageDef;
  resolved: ResolvedStageKey;
  reasons: string[];
  started: number;
}

/**
 * Runs `chain` (from streamChain, at least two stages) in one pass and records each stage. Returns undefined when
 * the pass failed for any reason other than an interrupt: the caller then runs the head alone, and the
 * stages after it run one by one, so every failure is reported exactly as without a pass.
 */
export async function runStreamPass(
  chain: PipelineStage[],
  head: PassHead,
  options: ExecuteOptions,
  upstream: (stageId: string) => Record<string, ArtifactRef> | undefined,
  emit: Emit,
  now: () => number,
): Promise<StageOutcome[] | undefined> {
  const defs = chain.map((s, k) => (k === 0 ? head.def : getStageDef(s.type)!));
  const scratch: Scratch[] = [];
  let results: (StageResult | void)[];
  const hashed: ReturnType<typeof prepareOutputs>[] = [];
  try {
    const impls = await Promise.all(defs.map((d) => d.impl()));
    for (const stage of chain) scratch.push(makeScratch(stage, options));
    for (let k = 1; k < chain.length; k++) {
      await emit({ type: 'stage:start', id: chain[k]!.id, reasons: [`in one pass with '${chain[0]!.id}'`] });
    }
    // Contexts after the head see the upstream output where it is being written; their keys come after the pass.
    const contexts = chain.map((stage, k) => {
      const resolved = k === 0 ? head.resolved : {
        key: '', files: {}, inputs: { dataset: { hash: '', bytes: 0, path: join(scratch[k - 1]!.outDir, 'dataset') } },
      };
      return runContext(defs[k]!, stage, resolved, options, emit, scratch[k]!);
    });
    // Each stage's outputs are hashed (in threads) as soon as it is done, while the later stages finish.
    results = await runPass(chain.map((_, k) => ({ def: defs[k]!, impl: impls[k]!, ctx: contexts[k]! })), (k) => {
      hashed[k] = prepareOutputs(chain[k]!, scratch[k]!);
    });
  } catch (error) {
    scratch.forEach(removeScratch);
    if (options.signal.aborted) throw asInterrupted(error, `${options.pipeline.relFile}:${chain[0]!.id}`, options);
    return undefined;
  }
  try {
    return await recordPass(chain, defs, head, results, scratch, hashed, options, upstream, emit, now);
  } finally {
    scratch.forEach(removeScratch);
  }
}

/** Caches each stage of a finished pass in order, keying each by its upstream's now-known output hashes. */
async function recordPass(
  chain: PipelineStage[],
  defs: StageDef[],
  head: PassHead,
  results: (StageResult | void)[],
  scratch: Scratch[],
  hashed: ReturnType<typeof prepareOutputs>[],
  options: ExecuteOptions,
  upstream: (stageId: string) => Record<string, ArtifactRef> | undefined,
  emit: Emit,
  now: () => number,
): Promise<StageOutcome[]> {
  const outcomes: StageOutcome[] = [];
  const produced = new Map<string, Record<string, ArtifactRef>>();
  for (let k = 0; k < chain.length; k++) {
    const stage = chain[k]!;
    const base = { type: 'stage:end' as const, id: stage.id, stageType: stage.type };
    const resolved = k === 0 ? head.resolved : await resolveStageKey({
      pipeline: options.pipeline, stage, def: defs[k]!, state: options.store.state,
      upstream: (id) => produced.get(id) ?? upstream(id), provider: options.provider.identityString, cwd: options.cwd, now,
    });
    const pass = `in one pass with '${chain[0]!.id}'`;
    // The head was checked by the caller; a later stage may still be cached (or forced) now that its key is known.
    const hit = k === 0 ? { reasons: head.reasons }
      : await checkCache(defs[k]!, stage, resolved, [...explainChange(options.previous[stage.id], resolved.parts, resolved.producers, stage.refs), pass], options, emit);
    const reasons = hit.reasons;
    let end: StageEndEvent;
    let record: RunRecord;
    if (hit.record) {
      record = hit.record;
      end = { ...base, status: 'cached', key: resolved.key, durationMs: 0, reasons, outputs: outputSummaries(record, options), error: null, record };
    } else {
      const ran = await recordRun(stage, resolved, options, scratch[k]!, results[k], hashed[k]);
      record = ran.record;
      end = {
        ...base, status: 'ran', key: resolved.key, durationMs: now() - head.started, reasons, outputs: outputSummaries(record, options), error: null,
        ...(ran.summary ? { summary: ran.summary } : {}), record,
      };
    }
    produced.set(stage.id, Object.fromEntries(Object.entries(end.outputs).map(([n, o]) => [n, { ...o }])));
    outcomes.push({ end, record });
  }
  return outcomes;
}
