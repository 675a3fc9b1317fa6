// The prediction cache's key (what changes an answer is in it, how requests are spread is not) and its store in state.db.


import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ModelRequest } from '../../tokens/format.ts';
import { StateDb } from '../../store/state.ts';
import { getPredictionKey, openPredictionCache } from './prediction-cache.ts';
import type { PredictAllOptions, Prediction } from './predict.ts';
import { tempDir } from '../../../test/helpers/temp.ts';

const prompt: ModelRequest = { kind: 'completion', prompt: 'Win a prize now\n\n###\n\n', display: 'Win a prize now', answer: ' spam\n' };
const chat: ModelRequest = { kind: 'chat', messages: [{ role: 'user', content: 'Win a prize now' }], display: 'Win a prize now', answer: 'spam' };
const base: PredictAllOptions = {
  model: 'ft:babbage-002:local::abc', maxTokens: 1, stop: '\n', topLogprobs: 5, signal: new AbortController().signal, concurrency: 8, batchSize: 20,
};
const key = (o: Partial<PredictAllOptions> = {}, request: ModelRequest = prompt, provider = 'local') => getPredictionKey(provider, request, { ...base, ...o });

describe('getPredictionKey', () => {
  it('is a sha256 that does not depend on batch size, concurrency or the abort signal', () => {
    expect(key()).toMatch(/^[0-9a-f]{64}$/);
    expect(key({ batchSize: 1, concurrency: 1, signal: AbortSignal.abort() })).toBe(key());
    expect(key({ batchSize: 2048, concurrency: 64 })).toBe(key());
  });

  it('changes with the provider, the model, max_tokens, the stop sequence, the prompt and the endpoint', () => {
    const keys = [
      key(),
      key({}, prompt, 'openai:https://api.openai.com/v1'),
      key({ model: 'ft:babbage-002:local::def' }),
      key({ maxTokens: 2 }),
      key({ stop: '\n\n' }),
      key({ stop: undefined }),
      key({}, { ...prompt, prompt: 'Win a prize today\n\n###\n\n' }),
      key({}, chat),
      key({}, { ...chat, messages: [{ role: 'system', content: 'Classify.' }, ...chat.messages] }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('follows the number of alternatives actually requested: completions send at most 5, chat at most 20', () => {
    expect(key({ topLogprobs: 6 })).toBe(key({ topLogprobs: 5 }));
    expect(key({ topLogprobs: 6 }, chat)).not.toBe(key({ topLogprobs: 5 }, chat));
    expect(key({ topLogprobs: 21 }, chat)).toBe(key({ topLogprobs: 20 }, chat));
  });

  it('ignores what is only shown (display, the taught answer), which is not sent', () => {
    expect(key({}, { ...prompt, display: 'other', answer: ' ham\n' })).toBe(key());
  });
});

describe('openPredictionCache on state.db', () => {
  const answer: Prediction = { text: ' spam', logprob: -0.01, top: [{ token: ' spam', logprob: -0.01 }, { token: ' ham', logprob: -4.6 }] };

  it('keeps predictions across reopen and drops a malformed entry as a miss', () => {
    const path = join(tempDir('tunefile-predictions-'), 'state.db');
    let db = new StateDb(path);
    const dropped: string[] = [];
    let cache = openPredictionCache(db.kv('evaluate:predictions'), (k) => dropped.push(k));
    cache.put([[key(), answer], [key({ maxTokens: 2 }), { ...answer, logprob: null }]]);
    db.kv('evaluate:predictions').set('broken', { text: 3 });
    db.close();
    db = new StateDb(path);
    cache = openPredictionCache(db.kv('evaluate:predictions'), (k) => dropped.push(k));
    expect(cache.get(key())).toEqual(answer);
    expect(cache.get(key({ maxTokens: 2 }))?.logprob).toBeNull();
    expect(cache.get(key({ maxTokens: 3 }))).toBeUndefined();
    expect(cache.get('broken')).toBeUndefined();
    expect(dropped).toEqual(['broken']);
    expect(db.kv('evaluate:predictions').get('broken')).toBeUndefined();
    db.close();
  });
});
