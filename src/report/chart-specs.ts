// Vega-Lite specs for the report's charts: training curves by step and the confusion heatmap.
import type { TopLevelSpec } from 'vega-lite';
import type { ConfusionMatrix, ResultRow } from './types.ts';

/** Fixed colours so the same series looks the same in every chart. */
const SERIES_COLORS = { domain: ['train', 'valid'], range: ['#4c78a8', '#f58518'] };

/** Shared look: no ARIA on every mark (the page labels each figure), system fonts. */
const CONFIG = { aria: false, font: 'system-ui, sans-serif', view: { stroke: '#ccc' } };

/** A line chart of two result columns by step, or null when both are empty. */
export function buildCurveSpec(
  results: ResultRow[],
  title: string,
  columns: { train: keyof ResultRow; valid: keyof ResultRow },
): TopLevelSpec | null {
  const values: { step: number; value: number; series: string }[] = [];
  for (const row of results) {
    for (const series of ['train', 'valid'] as const) {
      const value = row[columns[series]];
      if (value !== null) values.push({ step: row.step, value, series });
    }
  }
  if (values.length === 0) return null;
  const x = { field: 'step', type: 'quantitative', title: 'step' } as const;
  const y = { field: 'value', type: 'quantitative', title, scale: { zero: false } } as const;
  const color = { field: 'series', type: 'nominal', scale: SERIES_COLORS, title: null } as const;
  const base = { config: CONFIG, width: 400, height: 220, title, data: { values } };
  if (results.length <= SMOOTH_ABOVE_STEPS) {
    return { ...base, mark: { type: 'line', point: results.length <= 40, strokeWidth: 1.5 }, encoding: { x, y, color } };
  }
  // Per-step mini-batch metrics are noisy: a faint raw trace under a centred moving average (as TensorBoard draws them).
  const half = Math.max(2, Math.round(results.length / 80));
  return {
    ...base,
    layer: [
      { mark: { type: 'line', strokeWidth: 1, opacity: 0.18 }, encoding: { x, y, color } },
      {
        transform: [{ window: [{ op: 'mean', field: 'value', as: 'smoothed' }], frame: [-half, half], groupby: ['series'], sort: [{ field: 'step' }] }],
        mark: { type: 'line', strokeWidth: 2 },
        encoding: { x, y: { ...y, field: 'smoothed' }, color },
      },
    ],
  };
}

/** Longer runs are drawn smoothed. */
export const SMOOTH_ABOVE_STEPS = 200;

/**
 * A heatmap of the confusion matrix: rows are expected classes, columns every predicted value.
 * Colour is the share of the expected class on a square-root scale, so rare errors still show; text is the count.
 */
export function buildConfusionSpec(confusion: ConfusionMatrix, classCount: number): TopLevelSpec {
  const rows = confusion.labels.slice(0, classCount);
  const columns = confusion.labels;
  const values: { expected: string; predicted: string; count: number; share: number }[] = [];
  rows.forEach((expected, i) => {
    const total = confusion.matrix[i]!.reduce((a, b) => a + b, 0);
    columns.forEach((predicted, j) => {
      const count = confusion.matrix[i]![j]!;
      values.push({ expected, predicted, count, share: total === 0 ? 0 : count / total });
    });
  });
  const cell = Math.max(8, Math.min(56, Math.floor(600 / columns.length)));
  const fontSize = cell < 14 ? 7 : 10;
  const x = { field: 'predicted', type: 'nominal', sort: columns, title: 'predicted', axis: { labelFontSize: fontSize, labelLimit: 140 } } as const;
  const y = { field: 'expected', type: 'nominal', sort: rows, title: 'expected', axis: { labelFontSize: fontSize, labelLimit: 140 } } as const;
  return {
    config: CONFIG,
    width: cell * columns.length,
    height: cell * rows.length,
    data: { values },
    layer: [
      {
        mark: { type: 'rect', stroke: '#fff', strokeWidth: cell < 14 ? 0 : 1 },
        encoding: {
          x,
          y,
          color: { field: 'share', type: 'quantitative', scale: { type: 'sqrt', domain: [0, 1], range: ['#ffffff', '#08519c'], interpolate: 'rgb' }, title: 'share of row' },
        },
      },
      ...(cell >= 24
        ? [
            {
              mark: { type: 'text' as const, fontSize: 11 },
              encoding: {
                x,
                y,
                text: { field: 'count', type: 'quantitative' as const },
                color: { condition: { test: 'datum.share > 0.3', value: '#fff' }, value: '#222' },
              },
            },
          ]
        : []),
    ],
  };
}
