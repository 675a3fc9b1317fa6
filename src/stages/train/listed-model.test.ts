// The warning before create when the provider's list of fine-tunable models leaves the model out.
import { describe, expect, it } from 'vitest';
import type { Provider } from '../../providers/types.ts';
import type { StageContext } from '../types.ts';
import { warnUnlistedModel } from './listed-model.ts';

function run(models: () => Promise<string[]>, model: string): Promise<string[]> {
  const warnings: string[] = [];
  const ctx = { signal: new AbortController().signal, warn: (m: string) => warnings.push(m) } as unknown as StageContext<unknown>;
  const provider = { identity: { type: 'together', base_url: 'https://api.together.xyz/v1' }, models: async () => (await models()).map((id) => ({ id, tokenizer: 'hf:x', context: 1 })) } as unknown as Provider;
  return warnUnlistedModel(ctx, provider, model).then(() => warnings);
}

describe('warnUnlistedModel', () => {
  it('is silent for a listed model, the base of a listed fine-tune, and a provider that lists none', async () => {
    expect(await run(async () => ['Qwen/Qwen3-8B'], 'Qwen/Qwen3-8B')).toEqual([]);
    expect(await run(async () => ['gpt-4o-mini-2024-07-18'], 'ft:gpt-4o-mini-2024-07-18:acme::abc')).toEqual([]);
    expect(await run(async () => [], 'anything')).toEqual([]);
  });

  it('names the provider, the model and what it lists; a failed listing is a warning too', async () => {
    const many = Array.from({ length: 9 }, (_, i) => `m${i}`);
    expect(await run(async () => many, 'gpt-4o')).toEqual(['together:https://api.together.xyz/v1 does not list gpt-4o among the models it fine-tunes (m0, m1, m2, m3, m4, m5, and 3 more); asking it to create the job anyway']);
    expect(await run(async () => { throw new Error('503'); }, 'gpt-4o')).toEqual(['could not list the models together:https://api.together.xyz/v1 fine-tunes (503)']);
  });
});
