import { describe, expect, it } from 'vitest';
import { DataError } from '../errors.ts';
import { computeClassificationMetrics } from './metrics.ts';
import { computeAuroc, computeAveragePrecision } from './ranking.ts';

// Reference values below were computed once with scikit-learn 1.2.1 (Debian python3-sklearn) by
// roc_auc_score, average_precision_score, precision_recall_fscore_support(zero_division=0),
// f1_score(average='macro'|'weighted') and confusion_matrix on exactly these inputs.
const SPAM_EXPECTED = ['spam', 'ham', 'spam', 'ham', 'ham', 'spam', 'ham', 'ham', 'spam', 'ham', 'ham', 'ham'];
const SPAM_SCORES = [0.9, 0.8, 0.8, 0.3, 0.3, 0.3, 0.1, 0.6, 0.7, 0.2, 0.05, 0.3];
const SPAM_PREDICTED = ['spam', 'spam', 'spam', 'ham', 'ham', 'ham', 'ham', 'spam', 'spam', 'ham', 'ham', 'ham'];

describe('computeClassificationMetrics against sklearn', () => {
  it('binary task with tied scores', () => {
    const rows = SPAM_EXPECTED.map((expected, i) => ({ expected, predicted: SPAM_PREDICTED[i]!, score: SPAM_SCORES[i]! }));
    const m = computeClassificationMetrics(rows);
    expect(m.n).toBe(12);
    expect(m.accuracy).toBeCloseTo(0.75, 12);
    expect(m.labels).toEqual(['ham', 'spam']);
    expect(m.per_class.ham!.precision).toBeCloseTo(0.85714286, 8);
    expect(m.per_class.ham!.recall).toBeCloseTo(0.75, 12);
    expect(m.per_class.ham!.f1).toBeCloseTo(0.8, 12);
    expect(m.per_class.spam).toEqual({ precision: expect.closeTo(0.6, 12), recall: 0.75, f1: expect.closeTo(0.66666667, 8), support: 4 });
    expect(m.macro_f1).toBeCloseTo(0.7333333333333332, 12);
    expect(m.weighted_f1).toBeCloseTo(0.7555555555555555, 12);
    expect(m.binary).toEqual({ positive: 'spam', auroc: expect.closeTo(0.84375, 12), auprc: expect.closeTo(0.7152777777777777, 12) });
  });

  it('multiclass with a malformed prediction: wrong, and its own confusion column', () => {
    const expected = ['a', 'a', 'a', 'b', 'b', 'c', 'c', 'c', 'c', 'b'];
    const predicted = ['a', 'b', 'a', 'b', 'x', 'c', 'a', 'c', 'c', 'b'];
    const m = computeClassificationMetrics(expected.map((e, i) => ({ expected: e, predicted: predicted[i]! })));
    expect(m.accuracy).toBeCloseTo(0.7, 12);
    expect(m.labels).toEqual(['a', 'b', 'c']);
    expect(Object.keys(m.per_class)).toEqual(['a', 'b', 'c']);
    expect(m.per_class.c).toEqual({ precision: 1, recall: 0.75, f1: expect.closeTo(0.8571428571428571, 12), support: 4 });
    expect(m.per_class.a!.f1).toBeCloseTo(0.6666666666666666, 12);
    expect(m.macro_f1).toBeCloseTo(0.7301587301587301, 12);
    expect(m.weighted_f1).toBeCloseTo(0.7428571428571429, 12);
    expect(m.confusion).toEqual({
      labels: ['a', 'b', 'c', 'x'],
      matrix: [
        [2, 1, 0, 0],
        [0, 2, 0, 1],
        [1, 0, 3, 0],
        [0, 0, 0, 0],
      ],
    });
    expect(m.binary).toBeUndefined();
  });
});

describe('computeClassificationMetrics by hand', () => {
  it('perfect predictions give 1 everywhere and AUROC 1', () => {
    const rows = [
      { expected: 'no', predicted: 'no', score: 0.1 },
      { expected: 'yes', predicted: 'yes', score: 0.9 },
      { expected: 'no', predicted: 'no', score: 0.2 },
    ];
    const m = computeClassificationMetrics(rows);
    expect([m.accuracy, m.macro_f1, m.weighted_f1]).toEqual([1, 1, 1]);
    expect(m.binary).toEqual({ positive: 'yes', auroc: 1, auprc: 1 });
  });

  it('a class never predicted has precision 0, not NaN; explicit labels keep their order', () => {
    // expected: a a b; predicted: a a a -> a: P=2/3 R=1 F1=0.8; b: P=0 R=0 F1=0.
    const m = computeClassificationMetrics(
      [
        { expected: 'a', predicted: 'a' },
        { expected: 'a', predicted: 'a' },
        { expected: 'b', predicted: 'a' },
      ],
      { labels: ['b', 'a'] },
    );
    expect(m.labels).toEqual(['b', 'a']);
    expect(m.per_class.b).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(m.per_class.a!.f1).toBeCloseTo(0.8, 12);
    expect(m.macro_f1).toBeCloseTo(0.4, 12);
    expect(m.weighted_f1).toBeCloseTo((0.8 * 2) / 3, 12);
    expect(m.confusion.matrix).toEqual([[0, 1], [0, 2]]);
  });

  it('honours an explicit positive class', () => {
    const m = computeClassificationMetrics(
      [
        { expected: 'legit', predicted: 'legit', score: 0.8 },
        { expected: 'fraud', predicted: 'fraud', score: 0.3 },
      ],
      { positive: 'legit' },
    );
    expect(m.binary).toEqual({ positive: 'legit', auroc: 1, auprc: 1 });
  });

  it('rejects bad input with clear errors', () => {
    expect(() => computeClassificationMetrics([])).toThrow(DataError);
    expect(() => computeClassificationMetrics([{ expected: 'z', predicted: 'a' }], { labels: ['a'] })).toThrow(/row 1: expected label "z"/);
    expect(() => computeClassificationMetrics([{ expected: 'a', predicted: 'a' }], { positive: 'q' })).toThrow(/positive class "q"/);
    expect(() =>
      computeClassificationMetrics([
        { expected: 'a', predicted: 'a', score: 0.2 },
        { expected: 'b', predicted: 'b' },
      ]),
    ).toThrow(/row 2: score must be a probability/);
  });
});

describe('ranking metrics', () => {
  it('AUROC gives ties half credit and is null without both classes', () => {
    // one positive at 0.5 tied with one negative, one negative below: (1 + 0.5) / 2 = 0.75
    expect(computeAuroc([0.5, 0.5, 0.1], [true, false, false])).toBe(0.75);
    expect(computeAuroc([0.5, 0.4], [true, true])).toBeNull();
  });

  it('average precision steps through distinct thresholds', () => {
    // sorted: 0.9 P, 0.8 N, 0.7 P -> AP = 0.5 * 1 + 0.5 * 2/3
    expect(computeAveragePrecision([0.7, 0.9, 0.8], [true, true, false])).toBeCloseTo(0.5 + 1 / 3, 12);
    // all tied: one threshold, precision = prevalence
    expect(computeAveragePrecision([0.5, 0.5, 0.5, 0.5], [true, false, false, false])).toBeCloseTo(0.25, 12);
    expect(computeAveragePrecision([0.5], [false])).toBeNull();
  });
});
