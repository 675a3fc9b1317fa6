// The translation between OpenAI's chat logprobs and Together's (its document's ChatCompletionRequest.logprobs and
// LogprobsPart), each way.
import { describe, expect, it } from 'vitest';
import { openAiLogprobs, togetherChatRequest } from './inference.ts';

describe('togetherChatRequest', () => {
  it("asks for Together's integer logprobs where OpenAI's request asks for logprobs and top alternatives", () => {
    expect(togetherChatRequest({ model: 'm', logprobs: true, top_logprobs: 5, max_tokens: 1 })).toEqual({ model: 'm', logprobs: 5, max_tokens: 1 });
    expect(togetherChatRequest({ model: 'm', logprobs: true })).toEqual({ model: 'm', logprobs: 1 });
    expect(togetherChatRequest({ model: 'm', logprobs: false, top_logprobs: 3 })).toEqual({ model: 'm' });
    expect(togetherChatRequest({ model: 'm' })).toEqual({ model: 'm' });
  });
});

describe('openAiLogprobs', () => {
  it("reads the document's one map as the first token's alternatives", () => {
    expect(openAiLogprobs({ tokens: ['sp', 'am'], token_logprobs: [-0.1, -0.2], top_logprobs: { sp: -0.1, ham: -2.4 } })).toEqual({
      content: [
        { token: 'sp', logprob: -0.1, bytes: null, top_logprobs: [{ token: 'sp', logprob: -0.1, bytes: null }, { token: 'ham', logprob: -2.4, bytes: null }] },
        { token: 'am', logprob: -0.2, bytes: null, top_logprobs: [] },
      ],
    });
  });

  it('reads one map per token, and nothing where Together sent no logprobs', () => {
    expect(openAiLogprobs({ tokens: ['a', 'b'], token_logprobs: [-1, -2], top_logprobs: [{ a: -1 }, { b: -2, c: -3 }] })!.content.map((t) => t.top_logprobs.map((x) => x.token))).toEqual([['a'], ['b', 'c']]);
    expect(openAiLogprobs(null)).toBeNull();
    expect(openAiLogprobs({ tokens: ['a'] })).toBeNull();
  });
});
