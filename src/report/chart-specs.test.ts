// The training charts as a reader sees them (issue 14): visible legend swatches, smoothed curves without a hook at
// either end, and epoch boundaries marked; checked on the specs and on the SVG Vega renders from them.
import { describe, expect, it } from 'vitest';
import { SMOOTH_ABOVE_STEPS, buildCurveSpec, getEpochBoundaries, smoothSeries } from './chart-specs.ts';
import { renderChartSvg } from './render-chart.ts';
import type { ResultRow } from './types.ts';

/** `n` steps of a noisy, slowly falling loss (deterministic), valid every step. */
function results(n: number): ResultRow[] {
  return Array.from({ length: n }, (_, i) => ({
    step: i + 1, train_loss: 0.2 + 0.5 * Math.exp(-i / 300) + ((i * 37) % 11) / 40, train_accuracy: null,
    valid_loss: 0.25 + 0.5 * Math.exp(-i / 300) + ((i * 53) % 13) / 40, valid_mean_token_accuracy: null,
  }));
}
const LOSS = { train: 'train_loss', valid: 'valid_loss' } as const;

describe('training curves', () => {
  it('draws opaque, thick legend swatches over a faint raw trace', async () => {
    const svg = await renderChartSvg(buildCurveSpec(results(SMOOTH_ABOVE_STEPS + 300), 'loss', LOSS)!, 'loss');
    const swatches = [...svg.matchAll(/role-legend-symbol[^>]*><path ([^>]*)\/>/g)].map((m) => m[1]!);
    expect(swatches).toHaveLength(2);
    for (const swatch of swatches) {
      expect(swatch).toMatch(/opacity="1"/);
      expect(Number(/stroke-width="([\d.]+)"/.exec(swatch)![1])).toBeGreaterThanOrEqual(2);
    }
  });

  it('smooths with a window of the same width everywhere, so the last step does not hook', () => {
    const values = [...Array(100).fill(0.5), 1, 1, 1];
    const smoothed = smoothSeries(values, 5);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(smoothed.at(-1)).toBeCloseTo(mean(values.slice(-11)));
    expect(smoothed[0]).toBeCloseTo(mean(values.slice(0, 11)));
    expect(smoothed[50]).toBeCloseTo(mean(values.slice(45, 56)));
    // A shrinking window (the old behaviour) ends at the mean of the last 6: a jump of 0.25 at the very end.
    expect(smoothed.at(-1)! - smoothed.at(-7)!).toBeLessThan(0.05);
    expect(smoothSeries([1, 2], 5)).toEqual([1.5, 1.5]);
  });

  it('marks where each epoch starts with a labelled rule, only when the steps divide evenly', async () => {
    expect(getEpochBoundaries(results(400), 4)).toEqual([100.5, 200.5, 300.5]);
    expect(getEpochBoundaries(results(401), 4)).toEqual([]);
    expect(getEpochBoundaries(results(400), 1)).toEqual([]);
    expect(getEpochBoundaries(results(400), undefined)).toEqual([]);
    const svg = await renderChartSvg(buildCurveSpec(results(400), 'loss', LOSS, { epochs: 4 })!, 'loss');
    expect(svg.match(/class="mark-rule role-mark/g)).toHaveLength(1);
    for (const label of ['epoch 2', 'epoch 3', 'epoch 4']) expect(svg).toContain(`>${label}</text>`);
    expect(svg).not.toContain('>epoch 5<');
    const plain = await renderChartSvg(buildCurveSpec(results(30), 'loss', LOSS)!, 'loss');
    expect(plain).not.toContain('mark-rule role-mark');
  });
});
