// The one rule for `with: extra`: it may set anything but the keys that place the run in its folder.
import { describe, expect, it } from 'vitest';
import { TunefileError } from '../../../errors.ts';
import { mergeExtra } from './extra.ts';

describe('mergeExtra', () => {
  it("replaces tunefile's values in place and appends new keys in extra's order", () => {
    const merged = mergeExtra('trl', { a: 1, b: 2, c: 3 }, { z: 9, b: 'x', y: 8 }, ['out']);
    expect(Object.entries(merged)).toEqual([['a', 1], ['b', 'x'], ['c', 3], ['z', 9], ['y', 8]]);
  });

  it('refuses an extra key that tunefile owns, naming it and the trainer', () => {
    const attempt = () => mergeExtra('axolotl', { output_dir: '/run/output' }, { output_dir: '/elsewhere' }, ['output_dir', 'datasets']);
    expect(attempt).toThrow(TunefileError);
    expect(attempt).toThrow(/with\.extra\.output_dir cannot be set for trainer axolotl/);
  });
});
