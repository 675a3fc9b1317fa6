// Renders one evaluation report three ways: HTML page, Markdown summary and canonical metrics.json.
import { sortKeys } from '../store/hash.ts';
import { buildConfusionSpec, buildCurveSpec } from './chart-specs.ts';
import { renderHtml } from './html.ts';
import { renderMarkdown } from './markdown.ts';
import { renderChartSvg } from './render-chart.ts';
import type { ClassificationMetrics, RenderedReport, ReportInput } from './types.ts';

/**
 * Renders the report. Charts are Vega-Lite specs rendered to inline SVG in Node (vega is imported
 * on first call). Output is deterministic: the same input gives the same bytes.
 */
export async function renderReport(input: ReportInput): Promise<RenderedReport> {
  const curve = { epochs: input.n_epochs };
  const lossSpec = buildCurveSpec(input.results, 'loss', { train: 'train_loss', valid: 'valid_loss' }, curve);
  const accuracySpec = buildCurveSpec(input.results, 'accuracy', { train: 'train_accuracy', valid: 'valid_mean_token_accuracy' }, curve);
  const [loss, accuracy, confusion] = await Promise.all([
    lossSpec && renderChartSvg(lossSpec, 'loss'),
    accuracySpec && renderChartSvg(accuracySpec, 'accuracy'),
    renderChartSvg(buildConfusionSpec(input.metrics.confusion, input.metrics.labels.length), 'confusion'),
  ]);
  return {
    html: renderHtml(input, { loss, accuracy, confusion }),
    markdown: renderMarkdown(input),
    metricsJson: formatMetricsJson(input.metrics),
  };
}

/** The canonical metrics.json text: sorted keys, 2-space indent, trailing newline. */
export function formatMetricsJson(metrics: ClassificationMetrics): string {
  return JSON.stringify(sortKeys(metrics), null, 2) + '\n';
}
