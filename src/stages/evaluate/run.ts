// Runs `evaluate`: predict every validation example (through the prediction cache), compute metrics, render the
// report; restore re-publishes copies.
import { readFileSync, writeFileSync } from 'node:fs';
import { readJsonArtifact, type JobArtifact } from '../../providers/artifacts.ts';
import { identityString } from '../../providers/types.ts';
import { computeClassificationMetrics, parseResultsCsv, renderReport, type ClassificationMetrics } from '../../report/index.ts';
import type { RestoreContext, StageContext, StageResult } from '../types.ts';
import { predictWithCache } from './cached-predict.ts';
import { makeInferenceTarget } from './inference-target.ts';
import type { EvaluateParams } from './index.ts';
import type { LabelSpace } from './label-space.ts';
import { openPredictionCache, PREDICTION_CACHE_NAMESPACE } from './prediction-cache.ts';
import type { Prediction } from './predict.ts';
import { getTitle, prepareEvaluation, type Evaluation } from './prepare.ts';
import { buildReportInput, getHeadlineMetrics, type PredictionLine } from './report-input.ts';
import { displayReportDir, hasReportCopies, resolveReportDir, writeReportCopies } from './report-files.ts';

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

/**
 * Every prediction: cached ones from state.db, the rest from the provider (connected, and on Azure deployed, only when
 * something is missing; the deployment is released once the predictions end, however they end).
 */
async function predictEvery(ctx: StageContext<EvaluateParams>, e: Evaluation) {
  let dropped = 0;
  let storeFailed = false;
  const cache = openPredictionCache(ctx.kv(PREDICTION_CACHE_NAMESPACE), () => void dropped++);
  const target = makeInferenceTarget(ctx, e.predict.model);
  const result = await predictWithCache(e.requests, {
    ...e.predict,
    signal: ctx.signal,
    provider: identityString(ctx.providerIdentity),
    cache,
    refresh: ctx.options.force,
    connect: target.connect,
    onDone: (done) => ctx.progress(`${done}/${e.requests.length}`),
    onStoreError: (error) => {
      if (storeFailed) return;
      storeFailed = true;
      ctx.warn(`could not store answers in the prediction cache (${error instanceof Error ? error.message : String(error)}); a later run asks for those again`);
    },
  }).finally(target.release);
  if (dropped > 0) ctx.warn(`${dropped} malformed entries of the prediction cache were dropped and asked for again`);
  return result;
}

/** Predicts every validation example and writes predictions, metrics, the report and its copies. */
export async function run(ctx: StageContext<EvaluateParams>): Promise<StageResult> {
  const e = await prepareEvaluation(ctx);
  const { predictions, cached } = await predictEvery(ctx, e);
  const { records, requests, space, positive } = e;
  const lines: PredictionLine[] = predictions.map((pred, i) => {
    const predicted = space.classify(pred.text);
    const line: PredictionLine = { row: records[i]!._row ?? i + 1, prompt: withoutSuffix(requests[i]!.display, e.promptSeparator), expected: space.expectedOf(requests[i]!.answer), predicted, logprob: pred.logprob };
    if (positive !== undefined) line.score = scoreOf(pred, predicted, space, positive);
    return line;
  });
  const metrics = computeClassificationMetrics(lines, positive === undefined ? {} : { positive });
  const rendered = await renderReport(buildReportInput({ title: e.title, pipeline: ctx.pipelineFile, job: e.job, metrics, results: e.results, predictions: lines, worst: ctx.params.worst }));
  writeFileSync(ctx.output('predictions'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  writeFileSync(ctx.output('metrics'), rendered.metricsJson);
  writeFileSync(ctx.output('report'), rendered.html);
  if (e.reportDir) writeReportCopies(e.reportDir, { 'report.html': rendered.html, 'metrics.json': rendered.metricsJson, 'report.md': rendered.markdown });
  const fromCache = cached === 0 ? '' : `; ${cached === lines.length ? 'all' : `${cached} of ${lines.length}`} predictions from the cache`;
  return {
    rows: { predictions: lines.length },
    lock: { metrics: getHeadlineMetrics(metrics) },
    summary: `accuracy ${metrics.accuracy.toFixed(4)} on ${metrics.n} examples${e.reportDir ? `; report in ${displayReportDir(ctx.projectRoot, e.reportDir)}` : ''}${fromCache}`,
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
  const rendered = await renderReport(buildReportInput({ title: getTitle(ctx), pipeline: ctx.pipelineFile, job, metrics, results, predictions, worst: ctx.params.worst }));
  writeReportCopies(dir, { 'report.html': html, 'metrics.json': metricsJson, 'report.md': rendered.markdown });
  return 'ok';
}
