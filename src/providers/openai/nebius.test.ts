// Nebius's create request from tunefile's: its documented hyperparameter names (POST /v1/fine_tuning/jobs in Nebius
// Token Factory's API reference), the key in the suffix, and a refusal for each setting Nebius has no field for.
import { describe, expect, it } from 'vitest';
import type { TrainRequest } from '../types.ts';
import { nebiusRequest, withSuffixKey } from './nebius.ts';

const KEY = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

function request(over: Partial<TrainRequest> = {}, hyperparameters: Record<string, unknown> = { n_epochs: 3, batch_size: 'auto', learning_rate_multiplier: 'auto' }): TrainRequest {
  return {
    model: 'meta-llama/Meta-Llama-3.1-8B-Instruct',
    training_file: 'file-t',
    validation_file: 'file-v',
    method: { type: 'supervised', supervised: { hyperparameters: hyperparameters as never } },
    seed: 42,
    metadata: { tunefile_key: KEY },
    ...over,
  };
}

describe('nebiusRequest', () => {
  it("maps lora, learning_rate, packing and context_length onto Nebius's hyperparameters, the key into the suffix", () => {
    const body = nebiusRequest(request({ learning_rate: 0.00002, packing: true, context_length: 8192, lora: { rank: 16, alpha: 32, dropout: 0.05 }, suffix: 'sms' }, { n_epochs: 3, batch_size: 8, learning_rate_multiplier: 'auto' }));
    expect(body).toEqual({
      model: 'meta-llama/Meta-Llama-3.1-8B-Instruct',
      training_file: 'file-t',
      validation_file: 'file-v',
      seed: 42,
      suffix: 'sms-tf-0123456789abcdef',
      method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 3, batch_size: 8, learning_rate: 0.00002, packing: true, context_length: 8192, lora: true, lora_r: 16, lora_alpha: 32, lora_dropout: 0.05 } } },
    });
    expect(body).not.toHaveProperty('metadata');
    expect(body).not.toHaveProperty('hyperparameters');
  });

  it('asks for full fine-tuning with lora: false, leaves out what was not set, and passes extra through last', () => {
    const body = nebiusRequest(request({ lora: false, extra: { warmup_ratio: 0.1 } }));
    expect(body.method!.supervised!.hyperparameters).toEqual({ n_epochs: 3, lora: false });
    expect(body).toMatchObject({ suffix: 'tf-0123456789abcdef', warmup_ratio: 0.1 });
  });

  it('refuses, naming the fix, what Nebius has no field for', () => {
    expect(() => nebiusRequest(request({}, { n_epochs: 'auto' }))).toThrow(/nebius: Nebius has no automatic epoch count/);
    expect(() => nebiusRequest(request({}, { n_epochs: 2, learning_rate_multiplier: 0.5 }))).toThrow(/absolute learning rate, not a multiplier/);
    expect(() => nebiusRequest(request({ n_checkpoints: 2 }))).toThrow(/no n_checkpoints setting/);
    expect(() => nebiusRequest(request({ lora: { trainable_modules: 'all-linear' } }))).toThrow(/modules LoRA adapts/);
    expect(() => nebiusRequest(request({ metadata: { tunefile_key: KEY, team: 'x' } }))).toThrow(/carry no metadata \(team\)/);
  });
});

describe('withSuffixKey', () => {
  it("reads the key and the user's suffix back from Nebius's `suffix` or an OpenAI-shaped user_provided_suffix", () => {
    const job = (fields: Record<string, unknown>) => ({ id: 'ftjob-1', metadata: null, ...fields }) as never;
    expect(withSuffixKey(job({ suffix: 'sms-tf-0123456789abcdef' }), KEY)).toMatchObject({ user_provided_suffix: 'sms', metadata: { tunefile_key: KEY } });
    expect(withSuffixKey(job({ user_provided_suffix: 'tf-0123456789abcdef' }), KEY)).toMatchObject({ user_provided_suffix: null, metadata: { tunefile_key: KEY } });
    // Another key's tag, or none, carries no key.
    expect(withSuffixKey(job({ suffix: 'tf-ffffffffffffffff' }), KEY)).toMatchObject({ metadata: null });
    expect(withSuffixKey(job({ suffix: 'mine' }), KEY)).toMatchObject({ user_provided_suffix: 'mine', metadata: null });
  });
});
