import { describe, expect, it } from 'vitest';
import { decodeLabel } from '../../data/labels.ts';
import { assignLabelCodes, makeLabelsArtifact } from './labels.ts';

describe('label codes', async () => {
  const { getEncoding } = await import('../../tokens/encoding.ts');
  const enc = await getEncoding('cl100k_base');

  it('assigns distinct single-token codes, keeping labels that already are one token', async () => {
    const codes = assignLabelCodes(['card_arrival', 'card_linking', 'ham', 'lost_or_stolen_card', 'lost_or_stolen_phone'], enc, true);
    expect(codes).toEqual({ card_arrival: 'arrival', card_linking: 'linking', ham: 'ham', lost_or_stolen_card: 'lost', lost_or_stolen_phone: 'phone' });
    const reference = (await import('../../../test/helpers/tiktoken-reference.ts')).referenceEncoding('cl100k_base');
    for (const code of Object.values(codes)) expect(reference.encode(' ' + code)).toHaveLength(1);
  });

  it('maps a completion or its first token back to the original label', () => {
    const artifact = makeLabelsArtifact({ card_arrival: 'arrival', card_linking: 'linking' }, { model: 'babbage-002', encoding: 'cl100k_base', space: true, enc });
    expect(decodeLabel(artifact, ' arrival\n')).toBe('card_arrival');
    expect(decodeLabel(artifact, ' linking')).toBe('card_linking');
    expect(decodeLabel(artifact, ' card')).toBeUndefined();
  });
});
