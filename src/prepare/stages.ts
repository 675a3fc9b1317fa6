// prepare runs the pipeline's own data stages (load, dedupe, suffix, split) on one file, each in a scratch folder of
// its own, so the one-shot checks and a pipeline can never disagree about what a stage does.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { getStageDef } from '../stages/registry.ts';
import { runStandalone } from '../stages/standalone.ts';
import type { StageResult } from '../stages/types.ts';

/** What a data stage run left: its result, warnings, and its outputs' paths. */
export interface StageRun {
  result: StageResult | void;
  warnings: string[];
  output(name: string): string;
  /** Output NAME parsed as JSON (a stage's report). */
  json<T>(name: string): T;
}

/**
 * Runs stage type `type` with `params` (the schema's defaults for the rest) in `work/<type>/`, on `input` (a JSONL
 * dataset) when given. Relative paths in params resolve against the folder of `source`, the file being prepared.
 */
export async function runDataStage(type: string, params: Record<string, unknown>, work: string, source: string, input?: string): Promise<StageRun> {
  const def = getStageDef(type);
  if (!def) throw new Error(`prepare: no stage type '${type}'`);
  const out = join(work, type);
  mkdirSync(out, { recursive: true });
  const run = await runStandalone(def, {
    params, dir: dirname(source), out, pipelineFile: source, pipelineName: 'prepare',
    ...(input === undefined ? {} : { inputs: { dataset: { hash: '', bytes: 0, path: input } } }),
  });
  return { result: run.result, warnings: run.warnings, output: run.output, json: <T>(name: string) => JSON.parse(readFileSync(run.output(name), 'utf8')) as T };
}
