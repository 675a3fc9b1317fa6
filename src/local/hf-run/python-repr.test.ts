// Log lines as Python prints them: floats by repr() (shortest digits, 1.0, 5e-05) and dicts of floats.
import { describe, expect, it } from 'vitest';
import { pythonFloat, pythonFloatDict, pythonString, roundTo } from './python-repr.ts';
import { progressLine } from './progress-bar.ts';

describe('pythonFloat', () => {
  it('prints as repr(float) does', () => {
    const cases: Array<[number, string]> = [
      [0.6931, '0.6931'], [1, '1.0'], [3, '3.0'], [0, '0.0'], [-0, '-0.0'], [5e-5, '5e-05'], [0.0001, '0.0001'],
      [1.5e-7, '1.5e-07'], [123.456, '123.456'], [1e16, '1e+16'], [1234567890123456, '1234567890123456.0'],
      [-2.5, '-2.5'], [0.1 + 0.2, '0.30000000000000004'], [NaN, 'nan'], [Infinity, 'inf'], [-Infinity, '-inf'],
    ];
    expect(cases.map(([x]) => pythonFloat(x))).toEqual(cases.map(([, s]) => s));
  });

  it('prints dicts and strings as Python does', () => {
    expect(pythonFloatDict({ loss: 0.6931, learning_rate: 0.001, epoch: 0.5 })).toBe("{'loss': 0.6931, 'learning_rate': 0.001, 'epoch': 0.5}");
    expect([pythonString("it's"), pythonString('a\nb'), pythonString(`'"`)]).toEqual([`"it's"`, "'a\\nb'", `'\\'"'`]);
    expect([roundTo(0.693147, 4), roundTo(2 / 3, 2)]).toEqual([0.6931, 0.67]);
  });
});

describe('progressLine', () => {
  it("draws tqdm's ASCII bar", () => {
    expect(progressLine(6, 50)).toBe(' 12%|#2        | 6/50');
    expect(progressLine(0, 50)).toBe('  0%|          | 0/50');
    expect(progressLine(1, 8)).toBe(' 12%|#2        | 1/8'); // 12.5% rounds to even, as '%3.0f'
    expect(progressLine(50, 50)).toBe('100%|##########| 50/50');
  });
});
