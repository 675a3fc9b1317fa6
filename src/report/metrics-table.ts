// Plain-text tables of lock-file metrics for `tunefile metrics`, aligned like `dvc metrics diff`.
import { formatNumber } from './format.ts';
import type { MetricDiff, StageMetrics } from './lock-metrics.ts';

/** `stage  metric  value`, one line per metric. */
export function formatMetricsTable(metrics: StageMetrics): string {
  const rows = Object.entries(metrics).flatMap(([stage, values]) =>
    Object.entries(values).map(([metric, value]) => [stage, metric, formatNumber(value)]),
  );
  return alignColumns([['stage', 'metric', 'value'], ...rows], [false, false, true]);
}

/** `stage  metric  old  new  change`, with a signed change and `-` for a missing side. */
export function formatMetricsDiffTable(diff: MetricDiff[]): string {
  const show = (v: number | null) => (v === null ? '-' : formatNumber(v));
  const rows = diff.map((d) => [d.stage, d.metric, show(d.old), show(d.new), formatChange(d.change)]);
  return alignColumns([['stage', 'metric', 'old', 'new', 'change'], ...rows], [false, false, true, true, true]);
}

function formatChange(change: number | null): string {
  if (change === null) return '-';
  if (change === 0) return '0';
  const text = Number.isInteger(change) ? String(Math.abs(change)) : Math.abs(change).toFixed(4);
  return (change > 0 ? '+' : '-') + text;
}

/** Pads cells into columns two spaces apart; numeric columns are right-aligned. */
function alignColumns(rows: string[][], rightAligned: boolean[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) => r.map((c, i) => (rightAligned[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd())
    .join('\n') + '\n';
}
