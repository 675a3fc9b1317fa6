// The report module's public API: metrics, result CSV parsing, report rendering, lock-file metrics.
export { computeClassificationMetrics } from './metrics.ts';
export { computeAuroc, computeAveragePrecision } from './ranking.ts';
export { parseResultsCsv } from './results-csv.ts';
export { formatMetricsJson, renderReport } from './render.ts';
export type {
  BinaryMetrics,
  ClassMetrics,
  ClassificationMetrics,
  ClassificationOptions,
  ConfusionMatrix,
  PredictionRow,
  RenderedReport,
  ReportInput,
  ResultRow,
  WorstError,
} from './types.ts';
export { diffMetrics, getLockPath, parseLockMetrics, readLockMetrics } from './lock-metrics.ts';
export type { MetricDiff, StageMetrics } from './lock-metrics.ts';
export { formatMetricsDiffTable, formatMetricsTable } from './metrics-table.ts';
export { readFileAtRevision } from './git-revision.ts';
