import { describe, expect, it } from 'vitest';
import { computeClassificationMetrics } from './metrics.ts';
import { renameSvgIds } from './render-chart.ts';
import { renderReport } from './render.ts';
import type { ReportInput } from './types.ts';

const HOSTILE = `<script>alert("x")</script>&'`;

function makeInput(): ReportInput {
  const expected = ['ham', 'ham', 'spam', 'ham', HOSTILE, 'spam', 'ham', HOSTILE];
  const predicted = ['ham', 'spam', 'spam', 'ham', HOSTILE, 'ham', ' sp|am', HOSTILE];
  const metrics = computeClassificationMetrics(expected.map((e, i) => ({ expected: e, predicted: predicted[i]! })));
  return {
    title: `eval ${HOSTILE}`,
    pipeline: 'pipelines/spam.yaml',
    model: 'babbage-002',
    fine_tuned_model: 'ft:babbage-002:local:spam:ftjob-1',
    job_id: 'ftjob-1',
    metrics,
    results: [
      { step: 1, train_loss: 1.2, train_accuracy: 0.4, valid_loss: null, valid_mean_token_accuracy: null },
      { step: 2, train_loss: 0.9, train_accuracy: 0.6, valid_loss: 1.0, valid_mean_token_accuracy: 0.5 },
      { step: 3, train_loss: 0.5, train_accuracy: 0.8, valid_loss: 0.7, valid_mean_token_accuracy: 0.75 },
    ],
    worst: [{ row: 3, prompt: `Free entry! <a href="http://spam.example">win</a>\n\n###\n\n`, expected: 'ham', predicted: 'spam', confidence: 0.93 }],
    generated_by: 'tunefile test',
  };
}

describe('renderReport', () => {
  it('gives the same bytes for the same input, twice in one process', async () => {
    const a = await renderReport(makeInput());
    const b = await renderReport(makeInput());
    expect(b.html).toBe(a.html);
    expect(b.markdown).toBe(a.markdown);
    expect(b.metricsJson).toBe(a.metricsJson);
  });

  it('is a self-contained page: CSP, no external src/href, unique ids, escaped user text', async () => {
    const { html } = await renderReport(makeInput());
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
    expect(html).not.toMatch(/\s(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(\s*['"]?https?:/i);
    expect(html).not.toContain('<a href');
    expect(html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;&#38;&#39;');
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const ref of html.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(ref[1]);
    // Three charts, each an inline SVG with line marks and heatmap rects.
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html).toContain('class="mark-line role-mark');
    expect(html).toContain('class="mark-rect role-mark');
  });

  it('writes canonical metrics.json and a Markdown summary with escaped cells', async () => {
    const input = makeInput();
    const { metricsJson, markdown } = await renderReport(input);
    expect(metricsJson.endsWith('}\n')).toBe(true);
    expect(JSON.parse(metricsJson)).toEqual(JSON.parse(JSON.stringify(input.metrics)));
    const topKeys = [...metricsJson.matchAll(/^ {2}"([^"]+)":/gm)].map((m) => m[1]);
    expect(topKeys).toEqual(['accuracy', 'confusion', 'labels', 'macro_f1', 'n', 'per_class', 'weighted_f1']);
    expect(markdown).toContain('| accuracy | 0.6250 |');
    expect(markdown).toContain('| ham | spam | 1 |');
    expect(markdown).toContain('| ham |  sp\\|am (not a label) | 1 |');
    expect(markdown).not.toContain('<script>');
  });

  it('omits training charts when the job reported nothing', async () => {
    const { html } = await renderReport({ ...makeInput(), results: [], worst: [] });
    expect(html.match(/<svg /g)).toHaveLength(1);
    expect(html).toContain('reported no results to plot');
    expect(html).toContain('No wrong predictions.');
  });
});

describe('renameSvgIds', () => {
  it('renames ids and their references in order of appearance', () => {
    const svg = '<g clip-path="url(#clip7)"/><use href="#gradient_3"/><defs><clipPath id="clip7"/><linearGradient id="gradient_3"/></defs>';
    expect(renameSvgIds(svg, 'c')).toBe('<g clip-path="url(#c-1)"/><use href="#c-2"/><defs><clipPath id="c-1"/><linearGradient id="c-2"/></defs>');
  });
});

describe('training curves', () => {
  it('draws short runs as plain lines and long runs as a faint trace under a moving average', async () => {
    const { buildCurveSpec, SMOOTH_ABOVE_STEPS } = await import('./chart-specs.ts');
    const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ step: i + 1, train_loss: 1 / (i + 1), train_accuracy: null, valid_loss: (i % 7) / 10, valid_mean_token_accuracy: null }));
    const short = buildCurveSpec(rows(SMOOTH_ABOVE_STEPS), 'loss', { train: 'train_loss', valid: 'valid_loss' }) as Record<string, any>;
    expect(short.layer).toHaveLength(1);
    expect(short.layer[0].mark.type).toBe('line');
    const long = buildCurveSpec(rows(2000), 'loss', { train: 'train_loss', valid: 'valid_loss' }) as Record<string, any>;
    expect(long.layer).toHaveLength(2);
    expect(long.layer[0].mark.opacity).toBeLessThan(0.5);
    expect(long.layer[1].encoding.y.field).toBe('smoothed');
    expect(long.data.values[0].smoothed).toBeCloseTo(long.data.values.slice(0, 51).reduce((a: number, v: { value: number }) => a + v.value, 0) / 51);
  });
});
