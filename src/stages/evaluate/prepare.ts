// Everything evaluate decides before its first request: inputs read, requests built, labels known, every parameter checked.
import { readFileSync } from 'node:fs';
import { readAllRecords } from '../../data/jsonl.ts';
import type { LabelsArtifact } from '../../data/labels.ts';
import type { DataRecord } from '../../data/records.ts';
import { readJsonArtifact, type FilesArtifact, type JobArtifact } from '../../providers/artifacts.ts';
import { buildRequest, detectMarkers, type Conversion, type ModelRequest } from '../../tokens/format.ts';
import { getFormatForModel } from '../../tokens/model-format.ts';
import { parseResultsCsv, type ResultRow } from '../../report/index.ts';
import { getEncodingForModel } from '../../tokens/encoding.ts';
import type { StageContext } from '../types.ts';
import { checkNotEmpty, checkPositive } from './check-params.ts';
import type { EvaluateParams } from './index.ts';
import { buildLabelSpace, type LabelSpace } from './label-space.ts';
import { DEFAULT_BATCH_SIZE, type PredictAllOptions } from './predict.ts';
import { checkReportDir, getDefaultTitle, resolveReportDir } from './report-files.ts';

/** A checked evaluation, ready to ask the model. */
export interface Evaluation {
  job: JobArtifact;
  records: DataRecord[];
  requests: ModelRequest[];
  /** The prompt separator, left out of the prompts shown in predictions. */
  promptSeparator: string;
  space: LabelSpace;
  /** How to ask the model (all but the abort signal). */
  predict: Omit<PredictAllOptions, 'signal'>;
  /** The positive class, for binary classification tasks only. */
  positive: string | undefined;
  results: ResultRow[];
  /** Absolute report folder, checked writable, when `report:` is set. */
  reportDir: string | undefined;
  title: string;
}

/** The conversion upload used (from `files`), else the model's format with markers found in the valid set. */
function resolveConversion(job: JobArtifact, files: FilesArtifact | undefined, detected: Omit<Conversion, 'format'>): Conversion {
  if (files) return { format: files.format, prompt_separator: files.prompt_separator, completion_ending: files.completion_ending, ...(files.system === undefined ? {} : { system: files.system }) };
  const format = getFormatForModel(job.model);
  return format === 'chat' ? { format, ...detected } : { format, prompt_separator: '', completion_ending: '' };
}

/** The report title: `title:`, else from the pipeline's `name`. */
export function getTitle(ctx: Pick<StageContext<EvaluateParams>, 'params' | 'pipelineName'>): string {
  return ctx.params.title ?? getDefaultTitle(ctx.pipelineName);
}

/**
 * Reads evaluate's inputs and checks every parameter and everything that could fail after predicting, so a
 * mistake costs no request.
 * @throws TunefileError for an unusable report folder, a bad `positive`, an empty validation set or bad inputs.
 */
export async function prepareEvaluation(ctx: StageContext<EvaluateParams>): Promise<Evaluation> {
  const p = ctx.params;
  const reportDir = p.report === undefined ? undefined : resolveReportDir(ctx, p.report);
  if (reportDir !== undefined) checkReportDir(ctx.address, reportDir, p.report!);
  const job = readJsonArtifact<JobArtifact>(ctx.inputs.job!.path, 'job', ['job_id', 'model', 'fine_tuned_model']);
  const files = ctx.inputs.files ? readJsonArtifact<FilesArtifact>(ctx.inputs.files.path, 'files', ['format']) : undefined;
  const labels = ctx.inputs.labels ? readJsonArtifact<LabelsArtifact>(ctx.inputs.labels.path, 'labels', ['labels', 'first_tokens']) : undefined;
  const results = ctx.inputs.results ? parseResultsCsv(readFileSync(ctx.inputs.results.path, 'utf8'), 'results') : [];
  const records = await readAllRecords(ctx.inputs.valid!.path);
  checkNotEmpty(ctx.address, records.length);
  const detected = await detectMarkers(records);
  const conv = resolveConversion(job, files, detected);
  const requests = records.map((r) => buildRequest(r, conv));
  const ending = conv.format === 'prompt-completion' ? detected.completion_ending : '';
  const encoder = await getEncodingForModel(job.model);
  const space = buildLabelSpace(requests.map((r) => r.answer), ending, encoder, labels);
  checkPositive(ctx.address, p.positive, space);
  const binary = space.classification && space.labels.length === 2;
  const predict = {
    model: job.fine_tuned_model,
    maxTokens: space.classification ? Math.min(p.max_tokens, space.maxTokens) : p.max_tokens,
    ...(ending ? { stop: ending } : {}),
    topLogprobs: Math.max(5, space.labels.length),
    concurrency: p.concurrency,
    batchSize: p.batch_size ?? DEFAULT_BATCH_SIZE,
    // A request's cost under a provider's tokens-per-minute limit, as the provider counts it.
    countTokens: (text: string) => encoder.encodeOrdinary(text).length,
  };
  return {
    job, records, requests, promptSeparator: detected.prompt_separator, space, predict,
    positive: binary ? (p.positive ?? space.labels.at(-1)!) : undefined,
    results, reportDir, title: getTitle(ctx),
  };
}
