// Vega-Lite specs for the report's charts: training curves by step and the confusion heatmap.
import type { TopLevelSpec } from 'vega-lite';
import type { ConfusionMatrix, ResultRow } from './types.ts';

/** Fixed colours so the same series looks the same in every chart. */
const SERIES_COLORS = { domain: ['train', 'valid'], range: ['#4c78a8', '#f58518'] };

/** Shared look: no ARIA on every mark (the page labels each figure), system fonts, room above the plot for epoch labels. */
const CONFIG = { aria: false, font: 'system-ui, sans-serif', view: { stroke: '#ccc' }, title: { offset: 14 } };

/**
 * The legend of smoothed charts: swatches copy the first line layer's mark, the faint raw trace, so without this they
 * were nearly invisible; drawn like the thick smoothed line instead.
 */
const SMOOTHED_LEGEND = { symbolOpacity: 1, symbolStrokeWidth: 3 };

/** What a training curve may show besides the two series. */
export interface CurveOptions {
  /** The job's epochs: a dashed rule marks where each epoch after the first starts (when the steps divide evenly). */
  epochs?: number;
}

/** A line chart of two result columns by step, or null when both are empty. */
export function buildCurveSpec(
  results: ResultRow[],
  title: string,
  columns: { train: keyof ResultRow; valid: keyof ResultRow },
  options: CurveOptions = {},
): TopLevelSpec | null {
  const series = (['train', 'valid'] as const).map((name) => ({
    name,
    points: results.flatMap((row) => (row[columns[name]] === null ? [] : [{ step: row.step, value: row[columns[name]] as number }])),
  }));
  if (series.every((s) => s.points.length === 0)) return null;
  const smooth = results.length > SMOOTH_ABOVE_STEPS;
  const values = series.flatMap(({ name, points }) => {
    // Per-step mini-batch metrics are noisy: long runs get a moving average over a faint raw trace.
    const smoothed = smooth ? smoothSeries(points.map((p) => p.value), Math.max(2, Math.round(points.length / 80))) : undefined;
    return points.map((p, i) => ({ step: p.step, value: p.value, series: name, ...(smoothed ? { smoothed: smoothed[i]! } : {}) }));
  });
  const x = { field: 'step', type: 'quantitative', title: 'step' } as const;
  const y = { field: 'value', type: 'quantitative', title, scale: { zero: false } } as const;
  const color = { field: 'series', type: 'nominal', scale: SERIES_COLORS, title: null } as const;
  const smoothColor = { ...color, legend: SMOOTHED_LEGEND };
  const lines = smooth
    ? [
        { mark: { type: 'line' as const, strokeWidth: 1, opacity: 0.18 }, encoding: { x, y, color: smoothColor } },
        { mark: { type: 'line' as const, strokeWidth: 2 }, encoding: { x, y: { ...y, field: 'smoothed' }, color: smoothColor } },
      ]
    : [{ mark: { type: 'line' as const, point: results.length <= 40, strokeWidth: 1.5 }, encoding: { x, y, color } }];
  return {
    config: CONFIG, width: 400, height: 220, title, data: { values },
    // Epoch rules first, so the curves are drawn over them.
    layer: [...epochLayers(results, options.epochs), ...lines],
  };
}

/** Longer runs are drawn smoothed. */
export const SMOOTH_ABOVE_STEPS = 200;

/**
 * A centred moving average over `half` points on each side. Near either end the window keeps its full width and slides
 * inward instead of shrinking: a window of a few points at the last step made the curve hook up or down there.
 */
export function smoothSeries(values: number[], half: number): number[] {
  const n = values.length;
  const width = Math.min(n, 2 * half + 1);
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + values[i]!;
  return values.map((_, i) => {
    const from = Math.min(Math.max(i - half, 0), n - width);
    return (prefix[from + width]! - prefix[from]!) / width;
  });
}

/** Most epochs marked; beyond this the rules would hide the curves. */
const MAX_EPOCH_RULES = 50;

/**
 * The steps where epochs 2..N start, halfway between an epoch's last step and the next one's first. Only when the
 * last step divides into `epochs` equal parts: providers run the same number of steps every epoch, so anything else
 * means the results are partial and a boundary would be a guess.
 */
export function getEpochBoundaries(results: ResultRow[], epochs: number | undefined): number[] {
  if (epochs === undefined || !Number.isInteger(epochs) || epochs < 2 || epochs > MAX_EPOCH_RULES || results.length === 0) return [];
  const last = results.reduce((m, r) => Math.max(m, r.step), 0);
  if (last % epochs !== 0 || last < epochs) return [];
  const perEpoch = last / epochs;
  return Array.from({ length: epochs - 1 }, (_, k) => (k + 1) * perEpoch + 0.5);
}

/** Dashed rules at the epoch boundaries, labelled `epoch N` just above the plot, clear of the curves (while they fit). */
function epochLayers(results: ResultRow[], epochs: number | undefined) {
  const boundaries = getEpochBoundaries(results, epochs);
  if (boundaries.length === 0) return [];
  const data = { values: boundaries.map((step, k) => ({ step, label: `epoch ${k + 2}` })) };
  const x = { field: 'step', type: 'quantitative' } as const;
  const rule = { data, mark: { type: 'rule' as const, color: '#8c959f', strokeDash: [4, 3], strokeWidth: 1 }, encoding: { x } };
  if (boundaries.length > 12) return [rule];
  const label = {
    data,
    mark: { type: 'text' as const, align: 'center' as const, baseline: 'bottom' as const, dy: -2, fontSize: 9, color: '#57606a' },
    encoding: { x, y: { value: 0 }, text: { field: 'label', type: 'nominal' as const } },
  };
  return [rule, label];
}

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
