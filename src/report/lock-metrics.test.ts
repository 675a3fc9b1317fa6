import { describe, expect, it } from 'vitest';
import { diffMetrics, getLockPath, parseLockMetrics } from './lock-metrics.ts';
import { formatMetricsDiffTable } from './metrics-table.ts';

describe('lock-file metrics', () => {
  it('puts the lock beside the pipeline, named after it', () => {
    expect(getLockPath('/p/pipelines/spam.yaml')).toBe('/p/pipelines/spam.lock');
    expect(getLockPath('/p/pipeline.yml')).toBe('/p/pipeline.lock');
    expect(getLockPath('/p/pipeline')).toBe('/p/pipeline.lock');
  });

  it('flattens nested numbers with dots, sorts, and skips stages without metrics', () => {
    const text = JSON.stringify({
      version: 1,
      stages: {
        split: { type: 'split' },
        eval_b: { metrics: { n: 3, binary: { auroc: 0.5, positive: 'spam' }, accuracy: 1 } },
        eval_a: { metrics: { accuracy: 0.5, labels: ['a'] } },
      },
    });
    expect(parseLockMetrics(text, 'x.lock')).toEqual({ eval_a: { accuracy: 0.5 }, eval_b: { accuracy: 1, 'binary.auroc': 0.5, n: 3 } });
    expect(Object.keys(parseLockMetrics(text, 'x.lock'))).toEqual(['eval_a', 'eval_b']);
  });

  it('names the file on malformed input', () => {
    expect(() => parseLockMetrics('{', 'a.lock')).toThrow(/^a\.lock: not valid JSON/);
    expect(() => parseLockMetrics('[]', 'a.lock')).toThrow('a.lock: expected a lock file with a "stages" object');
    expect(() => parseLockMetrics('{"version":2,"stages":{}}', 'a.lock')).toThrow('unsupported lock file version 2');
  });

  it('diffs both sides, with signed changes', () => {
    const diff = diffMetrics({ ev: { accuracy: 0.9, n: 10 } }, { ev: { accuracy: 0.85, n: 10 }, ev2: { accuracy: 1 } });
    expect(diff.map((d) => [d.stage, d.metric, d.change])).toEqual([
      ['ev', 'accuracy', expect.closeTo(-0.05, 12)],
      ['ev', 'n', 0],
      ['ev2', 'accuracy', null],
    ]);
    expect(formatMetricsDiffTable(diff)).toBe(
      ['stage  metric       old     new   change', 'ev     accuracy  0.9000  0.8500  -0.0500', 'ev     n             10      10        0', 'ev2    accuracy       -       1        -', ''].join('\n'),
    );
  });
});
