import { describe, expect, it } from 'vitest';
import { didYouMean, exitCodeFor, TunefileError } from './errors.ts';

describe('didYouMean', () => {
  it('suggests close names, counting a swap of neighbours as one edit', () => {
    expect(didYouMean('trian', ['train', 'evaluate'])).toBe('train');
    expect(didYouMean('spilt', ['split', 'load'])).toBe('split');
    expect(didYouMean('tokenchek', ['tokencheck', 'load'])).toBe('tokencheck');
    expect(didYouMean('zzz', ['train', 'evaluate'])).toBeUndefined();
  });
});

describe('exitCodeFor', () => {
  it('maps codes to the documented exit codes', () => {
    expect(exitCodeFor(new TunefileError('TUNEFILE_INVALID_PIPELINE', 'x'))).toBe(2);
    expect(exitCodeFor(new TunefileError('TUNEFILE_LOCKED', 'x'))).toBe(1);
    expect(exitCodeFor(new TunefileError('TUNEFILE_INTERRUPTED', 'x'))).toBe(130);
    expect(exitCodeFor(new Error('x'))).toBe(1);
  });
});
