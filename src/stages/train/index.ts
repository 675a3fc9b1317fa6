// `train`: create (or adopt) a fine-tuning job for the uploaded files, watch it, and keep its job and result CSV.
import { HYPERPARAMETER_RANGES as RANGES } from '../../shared/hyperparameters.ts';
import type { ProviderTrainSettings } from '../../providers/types.ts';
import type { StageDef } from '../types.ts';

/** `auto` or a number, as the fine-tuning API takes hyperparameters. */
export type AutoOr = 'auto' | number;

/** `with:` of a train stage. */
/** The provider settings (learning_rate, lora, n_checkpoints, packing, context_length, extra) are TrainRequest's. */
export interface TrainParams extends ProviderTrainSettings {
  /** Base model. Default: the pipeline's model. */
  model?: string;
  n_epochs: AutoOr;
  batch_size: AutoOr;
  learning_rate_multiplier: AutoOr;
  seed?: number;
  /** Up to 64 characters added to the fine-tuned model's name. */
  suffix?: string;
  /** Stop before creating a job whose estimated cost exceeds this (USD), unless --yes. Default: config `max_cost_usd`. */
  max_cost_usd?: number;
  /** Extra job metadata (string values); `tunefile_key` is always set by tunefile. */
  metadata?: Record<string, string>;
}

const autoOr = (integer: boolean, minimum: number, maximum: number, description: string) => ({
  anyOf: [{ const: 'auto' }, integer ? { type: 'integer', minimum, maximum } : { type: 'number', exclusiveMinimum: minimum, maximum }],
  default: 'auto',
  description,
});

/** The train stage type. */
export const train: StageDef<TrainParams> = {
  type: 'train',
  version: 1,
  description: 'Create a fine-tuning job (or adopt the one already started for the same key), watch it to the end, and keep its job and result CSV.',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      model: { type: 'string', minLength: 1, description: "Base model to fine-tune. Default: the pipeline's model." },
      n_epochs: autoOr(true, ...RANGES.n_epochs, `Epochs: auto or ${RANGES.n_epochs.join('..')}.`),
      batch_size: autoOr(true, ...RANGES.batch_size, `Batch size: auto or ${RANGES.batch_size.join('..')}.`),
      learning_rate_multiplier: autoOr(false, ...RANGES.learning_rate_multiplier, `Learning-rate multiplier: auto or a number in (${RANGES.learning_rate_multiplier.join(', ')}].`),
      seed: { type: 'integer', minimum: 0, maximum: 2147483647, description: 'Seed for a reproducible job.' },
      suffix: { type: 'string', minLength: 1, maxLength: 64, description: "Up to 64 characters added to the fine-tuned model's name." },
      max_cost_usd: {
        type: 'number', minimum: 0,
        description: "Stop before creating a job whose estimated cost (from tokencheck's report) exceeds this, unless --yes. Default: config max_cost_usd.",
      },
      metadata: {
        type: 'object', maxProperties: 15, additionalProperties: { type: 'string', maxLength: 512 }, propertyNames: { maxLength: 64, not: { const: 'tunefile_key' } },
        description: 'Extra job metadata (string values). tunefile always adds tunefile_key, the stage key, to find the job again.',
      },
      learning_rate: { type: 'number', exclusiveMinimum: 0, maximum: 1, description: "An absolute learning rate, for providers that take one (together; openai with flavor nebius). OpenAI's own API takes learning_rate_multiplier." },
      lora: {
        anyOf: [
          { const: false },
          {
            type: 'object', additionalProperties: false,
            properties: {
              rank: { type: 'integer', minimum: 1, maximum: 1024, description: 'LoRA rank (r).' },
              alpha: { type: 'integer', minimum: 1, maximum: 4096, description: 'LoRA alpha. Default: the provider\'s (often 2 x rank).' },
              dropout: { type: 'number', minimum: 0, maximum: 1, description: 'LoRA dropout.' },
              trainable_modules: { type: 'string', minLength: 1, description: 'Modules to adapt, as the provider names them (together: all-linear).' },
            },
          },
        ],
        description: 'LoRA adapter settings (together; openai with flavor nebius); false for full fine-tuning. Default: the provider\'s (together and nebius train LoRA adapters).',
      },
      n_checkpoints: { type: 'integer', minimum: 1, maximum: 100, description: 'Intermediate checkpoints to keep (together).' },
      packing: { type: 'boolean', description: 'Pack short examples into one training sequence (openai with flavor nebius; together).' },
      context_length: { type: 'integer', minimum: 128, maximum: 1048576, description: 'Longest training sequence in tokens (nebius context_length, together max_seq_length).' },
      extra: { type: 'object', description: "Fields passed verbatim into the provider's create request, for settings tunefile does not map. They enter the key." },
    },
  },
  inputs: () => ['files'],
  optionalInputs: () => ['report'],
  // A self-hosted trainer's model is a folder on this machine: kept as `model`, a directory artifact.
  outputs: (_p, facts) => (facts?.providerType === 'trainer' ? ['job', 'results', 'model'] : ['job', 'results']),
  remote: true,
  // The key is the trained model's identity: the cost ceiling, the estimate (tokencheck's report) and job labels never change it.
  unkeyed: { params: ['max_cost_usd', 'metadata'], inputs: ['report'] },
  restores: true,
  checksRemote: true,
  impl: () => import('./run.ts'),
};
