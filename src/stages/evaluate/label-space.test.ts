// Reading model output against the taught classes: exact, first-token, recoded labels, token lengths.
import { describe, expect, it } from 'vitest';
import { getEncoding } from '../../tokens/encoding.ts';
import type { LabelsArtifact } from '../../data/labels.ts';
import { buildLabelSpace } from './label-space.ts';

const answers = (list: string[], times = 5) => list.flatMap((a) => Array.from({ length: times }, () => a));

describe('buildLabelSpace', async () => {
  const enc = await getEncoding('cl100k_base');

  it('maps completions with a leading space and an ending to labels, exact or by first token', () => {
    const space = buildLabelSpace(answers([' ham\n', ' spam\n', ' maybe later\n']), '\n', enc);
    expect(space.classification).toBe(true);
    expect(space.labels).toEqual(['ham', 'maybe later', 'spam']);
    expect(space.expectedOf(' spam\n')).toBe('spam');
    expect(space.classify(' spam')).toBe('spam');
    expect(space.classify(' maybe')).toBe('maybe later');
    expect(space.classify(' what')).toBe('what');
    expect(space.maxTokens).toBe(2);
    expect(space.labelOfFirstToken(' ham')).toBe('ham');
    expect(space.labelOfFirstToken('ham')).toBeUndefined();
  });

  it('decodes recoded labels through the labels artifact', () => {
    const artifact: LabelsArtifact = {
      version: 1, model: 'gpt-4o-mini', encoding: 'o200k_base', leading_space: false,
      labels: { arrival: 'card_arrival', linking: 'card_linking' }, first_tokens: { arrival: 'arrival', linking: 'linking' },
    };
    const space = buildLabelSpace(['arrival', 'linking', 'arrival'], '', enc, artifact);
    expect(space.classification).toBe(true);
    expect(space.labels).toEqual(['card_arrival', 'card_linking']);
    expect(space.expectedOf('linking')).toBe('card_linking');
    expect(space.classify('arrival')).toBe('card_arrival');
  });

  it('treats many distinct answers as generation, not classification', () => {
    const space = buildLabelSpace(['one', 'two', 'three', 'four'], '', enc);
    expect(space.classification).toBe(false);
  });
});
