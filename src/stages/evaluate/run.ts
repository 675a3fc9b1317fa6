// Runs `evaluate`: predict every validation example, compute metrics, render the report; restore re-publishes copies.
import { readFileSync, writeFileSync } from 'node:fs';
import { readAllRecords } from '../../data/jsonl.ts';
import type { LabelsArtifact } from '../../data/labels.ts';
import { readJsonArtifact, type FilesArtifact, type JobArtifact } from '../../providers/artifacts.ts';
import { buildRequest, detectMarkers, type Conversion } from '../../providers/format.ts';
import { getFormatForModel } from '../../providers/models.ts';
import { computeClassificationMetrics, parseResultsCsv, renderReport, type ClassificationMetrics } from '../../report/index.ts';
import { getEncodingForModel } from '../../tokens/encoding.ts';
import type { RestoreContext, StageContext, StageResult } from '../types.ts';
import type { EvaluateParams } from './index.ts';
import { buildLabelSpace, type LabelSpace } from './label-space.ts';
import { DEFAULT_BATCH_SIZE, predictAll, type Prediction } from './predict.ts';
import { buildReportInput, getHeadlineMetrics, type PredictionLine } from './report-input.ts';
import { getDefaultTitle, hasReportCopies, resolveReportDir, writeReportCopies } from './report-files.ts';

type Ctx = Pick<StageContext<EvaluateParams>, 'inputs' | 'params' | 'pipelineFile'>;

/** The conversion upload used (from `files`), else the model's format with markers found in the valid set. */
function resolveConversion(job: JobArtifact, files: FilesArtifact | undefined, detected: Omit<Conversion, 'format'>): Conversion {
  if (files) return { format: files.format, prompt_separator: files.prompt_separator, completion_ending: files.completion_ending, ...(files.system === undefined ? {} : { system: files.system }) };
  const format = getFormatForModel(job.model);
  return format === 'chat' ? { format, ...detected } : { format, prompt_separator: '', completion_ending: '' };
}

/** P(positive) for a binary task, from the first token's alternatives; falls back to the prediction itself. */
function scoreOf(prediction: Prediction, predicted: string, space: LabelSpace, positive: string): number {
  const mass = new Map<string, number>();
  for (const t of prediction.top) {
    const label = space.labelOfFirstToken(t.token);
    if (label !== undefined) mass.set(label, (mass.get(label) ?? 0) + Math.exp(t.logprob));
  }
  const pos = mass.get(positive);
  const neg = [...mass].filter(([l]) => l !== positive).reduce((a, [, p]) => a + p, 0);
  if (pos !== undefined && neg > 0) return pos / (pos + neg);
  if (pos !== undefined) return pos;
  if (neg > 0) return 1 - neg;
  return predicted === positive ? 1 : 0;
}

/** `text` without `suffix` at its end (the prompt separator, for display). */
function withoutSuffix(text: string, suffix: string): string {
  return suffix && text.endsWith(suffix) ? text.slice(0, -suffix.length) : text;
}

function readTitle(ctx: Ctx): string {
  return ctx.params.title ?? getDefaultTitle(ctx.pipelineFile);
}

/** Predicts every validation example and writes predictions, metrics, the report and its copies. */
export async function run(ctx: StageContext<EvaluateParams>): Promise<StageResult> {
  const p = ctx.params;
  const reportDir = p.report === undefined ? undefined : resolveReportDir(ctx, p.report);
  const job = readJsonArtifact<JobArtifact>(ctx.inputs.job!.path, 'job', ['job_id', 'model', 'fine_tuned_model']);
  const files = ctx.inputs.files ? readJsonArtifact<FilesArtifact>(ctx.inputs.files.path, 'files', ['format']) : undefined;
  const labels = ctx.inputs.labels ? readJsonArtifact<LabelsArtifact>(ctx.inputs.labels.path, 'labels', ['labels', 'first_tokens']) : undefined;
  const records = await readAllRecords(ctx.inputs.valid!.path);
  const detected = await detectMarkers(records);
  const conv = resolveConversion(job, files, detected);
  const requests = records.map((r) => buildRequest(r, conv));
  const ending = conv.format === 'prompt-completion' ? detected.completion_ending : '';
  const space = buildLabelSpace(requests.map((r) => r.answer), ending, await getEncodingForModel(job.model), labels);
  const maxTokens = space.classification ? Math.min(p.max_tokens, space.maxTokens) : p.max_tokens;
  const binary = space.classification && space.labels.length === 2;
  const positive = p.positive ?? space.labels.at(-1)!;
  const { client } = await ctx.provider();
  ctx.progress(`0/${requests.length}`);
  const predictions = await predictAll(
    client,
    requests,
    {
      model: job.fine_tuned_model, maxTokens, ...(ending ? { stop: ending } : {}), topLogprobs: Math.max(5, space.labels.length), signal: ctx.signal,
      concurrency: p.concurrency, batchSize: p.batch_size ?? DEFAULT_BATCH_SIZE,
    },
    (done) => ctx.progress(`${done}/${requests.length}`),
  );
  const lines: PredictionLine[] = predictions.map((pred, i) => {
    const predicted = space.classify(pred.text);
    const line: PredictionLine = { row: records[i]!._row ?? i + 1, prompt: withoutSuffix(requests[i]!.display, detected.prompt_separator), expected: space.expectedOf(requests[i]!.answer), predicted, logprob: pred.logprob };
    if (binary) line.score = scoreOf(pred, predicted, space, positive);
    return line;
  });
  const metrics = computeClassificationMetrics(lines, binary ? { positive } : {});
  const results = ctx.inputs.results ? parseResultsCsv(readFileSync(ctx.inputs.results.path, 'utf8'), 'results') : [];
  const rendered = await renderReport(buildReportInput({ title: readTitle(ctx), pipeline: ctx.pipelineFile, job, metrics, results, predictions: lines, worst: p.worst }));
  writeFileSync(ctx.output('predictions'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  writeFileSync(ctx.output('metrics'), rendered.metricsJson);
  writeFileSync(ctx.output('report'), rendered.html);
  if (reportDir) writeReportCopies(reportDir, { 'report.html': rendered.html, 'metrics.json': rendered.metricsJson, 'report.md': rendered.markdown });
  return {
    rows: { predictions: lines.length },
    lock: { metrics: getHeadlineMetrics(metrics) },
    summary: `accuracy ${metrics.accuracy.toFixed(4)} on ${metrics.n} examples${reportDir && p.report ? `; report in ${p.report}` : ''}`,
  };
}

/** A cache hit re-writes the report folder's copies when they are missing or differ. */
export async function restore(ctx: RestoreContext<EvaluateParams>): Promise<'ok' | 'stale'> {
  if (ctx.params.report === undefined) return 'ok';
  const dir = resolveReportDir(ctx, ctx.params.report);
  const html = readFileSync(ctx.outputs.report!.path, 'utf8');
  const metricsJson = readFileSync(ctx.outputs.metrics!.path, 'utf8');
  if (hasReportCopies(dir, html, metricsJson)) return 'ok';
  const job = readJsonArtifact<JobArtifact>(ctx.inputs.job!.path, 'job', ['job_id', 'model', 'fine_tuned_model']);
  const predictions = readFileSync(ctx.outputs.predictions!.path, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as PredictionLine);
  const results = ctx.inputs.results ? parseResultsCsv(readFileSync(ctx.inputs.results.path, 'utf8'), 'results') : [];
  const metrics = JSON.parse(metricsJson) as ClassificationMetrics;
  const rendered = await renderReport(buildReportInput({ title: readTitle(ctx), pipeline: ctx.pipelineFile, job, metrics, results, predictions, worst: ctx.params.worst }));
  writeReportCopies(dir, { 'report.html': html, 'metrics.json': metricsJson, 'report.md': rendered.markdown });
  return 'ok';
}
