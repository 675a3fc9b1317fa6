import { describe, expect, it } from 'vitest';
import { getEncoding } from '../tokens/encoding.ts';
import { referenceEncoding } from '../../test/helpers/tiktoken-reference.ts';
import { classProbabilities, encodePrompt, generate, tokenText, type LoadedModel } from './generate.ts';
import { createWeights } from './trainer/model.ts';

/** A model whose biases alone set the class probabilities (no feature weights). */
async function biasedModel(classes: string[], logits: number[], encoding: 'cl100k_base' | 'o200k_base' = 'cl100k_base'): Promise<LoadedModel> {
  const encoder = await getEncoding(encoding);
  const weights = createWeights(64, classes.length);
  weights.b.set(logits);
  const meta = { kind: 'tunefile-local-classifier' as const, version: 1 as const, baseModel: 'babbage-002', encoding, format: 'prompt_completion' as const, dim: 64, classes };
  return { name: 'm', meta, weights, encoder, labelTokens: classes.map((c) => encoder.encodeOrdinary(c)) };
}

describe('generate', () => {
  it('returns the first max_tokens tokens of the most probable label, with logprobs over first tokens', async () => {
    // " card_arrival" and " card_linking" share the first token " card".
    const model = await biasedModel([' card_arrival\n', ' card_linking\n', ' balance\n'], [Math.log(0.5), Math.log(0.2), Math.log(0.3)]);
    const probs = classProbabilities(model, 'anything');
    expect([...probs].map((p) => Number(p.toFixed(6)))).toEqual([0.5, 0.2, 0.3]);

    const one = generate(model, 'anything', { maxTokens: 1, topLogprobs: 5 });
    expect(one.text).toBe(' card');
    expect(one.finishReason).toBe('length');
    expect(one.logprobs[0]!.logprob).toBeCloseTo(Math.log(0.7), 6);
    expect(one.logprobs[0]!.top.map((t) => [model.encoder.decode([t.token]), Number(Math.exp(t.logprob).toFixed(6))])).toEqual([
      [' card', 0.7],
      [' balance', 0.3],
    ]);

    const all = generate(model, 'anything', { topLogprobs: 1 });
    expect(all.text).toBe(' card_arrival\n');
    expect(all.finishReason).toBe('stop');
    // The second token is conditional on " card": 0.5 / 0.7.
    expect(all.logprobs[1]!.logprob).toBeCloseTo(Math.log(0.5 / 0.7), 6);

    const stopped = generate(model, 'anything', { topLogprobs: 0, stop: ['\n'] });
    expect(stopped.text).toBe(' card_arrival');
    expect(model.encoder.decode(stopped.tokens)).toBe(' card_arrival');
  });

  it('encodes prompts exactly as the encoder does, cold or from its piece cache, and answers the same from tokens', async () => {
    const texts = [
      'Free entry in 2 a wkly comp to win FA Cup final tkts 21st May 2005.\n\n###\n\n',
      'a   b\t\tc  \n\n  d\r\n\r\n   ',
      "don't WON'T it's I'LL 1234567 3.14159 ---> ...!!! 🎉🎉 é́ 中文字符 <|endoftext|> <|fim_prefix|>",
      'x'.repeat(300) + ' ' + 'ab'.repeat(200),
      '',
      ' ',
      '\n',
    ];
    for (const encoding of ['cl100k_base', 'o200k_base'] as const) {
      const model = await biasedModel([' ham\n', ' spam\n'], [0.2, -0.1], encoding);
      for (let pass = 0; pass < 2; pass++) {
        for (const text of texts) {
          expect(encodePrompt(model, text), `${encoding} pass ${pass}: ${JSON.stringify(text.slice(0, 40))}`).toEqual(referenceEncoding(encoding).encode(text, [], []));
          expect(generate(model, encodePrompt(model, text), { topLogprobs: 2 })).toEqual(generate(model, text, { topLogprobs: 2 }));
        }
      }
      for (const token of referenceEncoding(encoding).encode(texts[2]!, [], [])) expect(tokenText(model, token)).toBe(referenceEncoding(encoding).decode([token]));
    }
  });
});
