// evaluate's checks before any request: `positive` against the labels the user knows, and an empty validation set.
import { describe, expect, it } from 'vitest';
import { getEncoding } from '../../tokens/encoding.ts';
import type { LabelsArtifact } from '../../data/labels.ts';
import { TunefileError } from '../../errors.ts';
import { checkNotEmpty, checkPositive } from './check-params.ts';
import { buildLabelSpace } from './label-space.ts';

const ADDRESS = 'pipelines/x.yaml:evaluate';
const answers = (list: string[], times = 5) => list.flatMap((a) => Array.from({ length: times }, () => a));
const caught = (fn: () => void) => {
  try {
    fn();
  } catch (error) {
    return error as TunefileError;
  }
  throw new Error('expected an error');
};

describe('checkPositive', async () => {
  const enc = await getEncoding('cl100k_base');
  const binary = buildLabelSpace(answers([' ham\n', ' spam\n']), '\n', enc);

  it('accepts either label of a binary task, or none', () => {
    expect(() => checkPositive(ADDRESS, 'spam', binary)).not.toThrow();
    expect(() => checkPositive(ADDRESS, 'ham', binary)).not.toThrow();
    expect(() => checkPositive(ADDRESS, undefined, binary)).not.toThrow();
  });

  it('names the stage, the value and the labels, with a did-you-mean when one is close', () => {
    const error = caught(() => checkPositive(ADDRESS, 'spma', binary));
    expect(error).toBeInstanceOf(TunefileError);
    expect(error.message).toBe(`${ADDRESS}: positive "spma" is not one of the labels: "ham", "spam"`);
    expect(error.hint).toBe('did you mean "spam"?');
    expect(caught(() => checkPositive(ADDRESS, 'fraud', binary)).hint).toBe('set positive to one of the labels, or remove it to use the default, "spam"');
    // The code a `labels:` stage put in the data is not a name the user knows: the decoded names are the labels.
    const artifact: LabelsArtifact = { version: 1, model: 'babbage-002', encoding: 'cl100k_base', leading_space: true, labels: { A: 'legit', B: 'fraud' }, first_tokens: { A: ' A', B: ' B' } };
    const recoded = buildLabelSpace(answers([' A\n', ' B\n']), '\n', enc, artifact);
    expect(() => checkPositive(ADDRESS, 'fraud', recoded)).not.toThrow();
    expect(caught(() => checkPositive(ADDRESS, 'B', recoded)).message).toContain('"B" is not one of the labels: "fraud", "legit"');
  });

  it('refuses positive for a task with more than two labels or no classes at all', () => {
    const three = buildLabelSpace(answers([' ham\n', ' spam\n', ' phishing\n']), '\n', enc);
    expect(caught(() => checkPositive(ADDRESS, 'spam', three)).message).toBe(`${ADDRESS}: positive "spam" is set, but this task has 3 labels ("ham", "phishing", "spam"), not 2`);
    const text = buildLabelSpace(Array.from({ length: 30 }, (_, i) => ` answer number ${i}\n`), '\n', enc);
    expect(caught(() => checkPositive(ADDRESS, 'spam', text)).message).toMatch(/are not classes \(30 distinct answers\)/);
  });
});

describe('checkNotEmpty', () => {
  it('refuses an empty validation set, naming the stage', () => {
    expect(() => checkNotEmpty(ADDRESS, 1)).not.toThrow();
    expect(() => checkNotEmpty(ADDRESS, 0)).toThrow(`${ADDRESS}: the validation set is empty`);
  });
});
