// Classification metrics over predictions: accuracy, per-class P/R/F1, macro/weighted F1, confusion, AUROC/AUPRC.
import { DataError } from '../errors.ts';
import { computeAuroc, computeAveragePrecision } from './ranking.ts';
import type { BinaryMetrics, ClassMetrics, ClassificationMetrics, ClassificationOptions, PredictionRow } from './types.ts';

/**
 * Computes classification metrics. A prediction outside the label set (a malformed completion)
 * counts as wrong and gets its own column in the confusion matrix. Per-class precision is 0 for a
 * class never predicted, as sklearn does with zero_division=0.
 * @throws DataError when there are no rows, an expected value is outside `options.labels`,
 *   `options.positive` is not a label, or only some rows of a binary task carry a valid score.
 */
export function computeClassificationMetrics(rows: PredictionRow[], options: ClassificationOptions = {}): ClassificationMetrics {
  if (rows.length === 0) throw new DataError('cannot compute classification metrics: no rows were evaluated');
  const labels = options.labels ? [...options.labels] : [...new Set(rows.map((r) => r.expected))].sort();
  const index = new Map(labels.map((label, i) => [label, i]));
  if (index.size !== labels.length) throw new DataError(`labels contain duplicates: ${JSON.stringify(labels)}`);
  rows.forEach((r, i) => {
    if (!index.has(r.expected)) {
      throw new DataError(`row ${i + 1}: expected label ${JSON.stringify(r.expected)} is not one of the labels ${JSON.stringify(labels)}`);
    }
  });
  const extras = [...new Set(rows.map((r) => r.predicted).filter((p) => !index.has(p)))].sort();
  const all = [...labels, ...extras];
  const column = new Map(all.map((label, i) => [label, i]));
  const matrix = all.map(() => all.map(() => 0));
  for (const r of rows) matrix[column.get(r.expected)!]![column.get(r.predicted)!]!++;

  const perClass: Record<string, ClassMetrics> = {};
  let correct = 0;
  let macro = 0;
  let weighted = 0;
  labels.forEach((label, i) => {
    const tp = matrix[i]![i]!;
    const support = matrix[i]!.reduce((a, b) => a + b, 0);
    const predictedCount = matrix.reduce((sum, row) => sum + row[i]!, 0);
    const precision = predictedCount === 0 ? 0 : tp / predictedCount;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perClass[label] = { precision, recall, f1, support };
    correct += tp;
    macro += f1;
    weighted += f1 * support;
  });
  const metrics: ClassificationMetrics = {
    n: rows.length,
    accuracy: correct / rows.length,
    labels,
    per_class: perClass,
    macro_f1: macro / labels.length,
    weighted_f1: weighted / rows.length,
    confusion: { labels: all, matrix },
  };
  const binary = computeBinary(rows, labels, options.positive);
  if (binary) metrics.binary = binary;
  return metrics;
}

function computeBinary(rows: PredictionRow[], labels: string[], positive: string | undefined): BinaryMetrics | undefined {
  if (positive !== undefined && !labels.includes(positive)) {
    throw new DataError(`positive class ${JSON.stringify(positive)} is not one of the labels ${JSON.stringify(labels)}`);
  }
  if (labels.length !== 2) return undefined;
  const scored = rows.filter((r) => r.score !== undefined).length;
  if (scored === 0) return undefined;
  rows.forEach((r, i) => {
    if (r.score === undefined || !Number.isFinite(r.score) || r.score < 0 || r.score > 1) {
      throw new DataError(`row ${i + 1}: score must be a probability in [0, 1] on every row of a binary task (got ${String(r.score)})`, {
        hint: 'score is the probability of the positive class; give it on all rows or on none',
      });
    }
  });
  const pos = positive ?? [...labels].sort().at(-1)!;
  const scores = rows.map((r) => r.score!);
  const isPositive = rows.map((r) => r.expected === pos);
  return { positive: pos, auroc: computeAuroc(scores, isPositive), auprc: computeAveragePrecision(scores, isPositive) };
}
