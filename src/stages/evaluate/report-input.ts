// Builds the report's input from evaluate's artifacts, so run and restore render the same bytes.
import { readFileSync } from 'node:fs';
import type { JobArtifact } from '../../providers/artifacts.ts';
import type { ClassificationMetrics, ReportInput, ResultRow, WorstError } from '../../report/index.ts';

/** One line of the `predictions` artifact. */
export interface PredictionLine {
  row: number | null;
  prompt: string;
  expected: string;
  predicted: string;
  /** Log-probability of the generated answer; null when the provider gave none. */
  logprob: number | null;
  /** Binary tasks: probability of the positive class. */
  score?: number;
}

/** The `count` most confident wrong predictions, most confident first (ties: lower row first). */
export function selectWorst(predictions: PredictionLine[], count: number): WorstError[] {
  return predictions
    .filter((p) => p.predicted !== p.expected)
    .map((p) => ({ row: p.row ?? 0, prompt: p.prompt, expected: p.expected, predicted: p.predicted, confidence: p.logprob === null ? 0 : Math.exp(p.logprob) }))
    .sort((a, b) => b.confidence - a.confidence || a.row - b.row)
    .slice(0, count);
}

/** The tunefile version, for the report footer. */
export function getGeneratedBy(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `tunefile ${pkg.version}`;
}

/** Everything renderReport needs. */
export function buildReportInput(o: {
  title: string;
  pipeline: string;
  job: JobArtifact;
  metrics: ClassificationMetrics;
  results: ResultRow[];
  predictions: PredictionLine[];
  worst: number;
}): ReportInput {
  return {
    title: o.title,
    pipeline: o.pipeline,
    model: o.job.model,
    fine_tuned_model: o.job.fine_tuned_model,
    job_id: o.job.job_id,
    metrics: o.metrics,
    results: o.results,
    ...(typeof o.job.hyperparameters?.n_epochs === 'number' ? { n_epochs: o.job.hyperparameters.n_epochs } : {}),
    worst: selectWorst(o.predictions, o.worst),
    generated_by: getGeneratedBy(),
  };
}

/** The headline metrics kept in the lock file. */
export function getHeadlineMetrics(m: ClassificationMetrics): Record<string, number> {
  const out: Record<string, number> = { n: m.n, accuracy: m.accuracy, macro_f1: m.macro_f1, weighted_f1: m.weighted_f1 };
  if (m.binary?.auroc != null) out.auroc = m.binary.auroc;
  if (m.binary?.auprc != null) out.auprc = m.binary.auprc;
  return out;
}
