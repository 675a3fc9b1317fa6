// `tokencheck`: the gate before money is spent: token counts, first-token rule, limits, epochs and cost.
import { HYPERPARAMETER_RANGES } from '../../shared/hyperparameters.ts';
import { getTokenizerFiles } from '../../tokens/encoding.ts';
import type { StageDef } from '../types.ts';

const N_EPOCHS = HYPERPARAMETER_RANGES.n_epochs;

export interface TokencheckParams {
  model?: string;
  distinct_first_token: boolean;
  min_train_examples: number;
  /** Default: the downstream train stage's `n_epochs` (see `follows`), else auto. */
  n_epochs: number | 'auto';
  /** Default: the downstream upload stage's `system`. */
  system?: string;
  /** Default: the downstream upload stage's `format`, else auto. */
  format: 'auto' | 'prompt-completion' | 'chat';
  max_cost_usd?: number;
  context_limit?: number;
  /** A Hugging Face tokenizer.json, or a model folder holding one; relative to the pipeline's folder. */
  tokenizer?: string;
}

export const tokencheck: StageDef<TokencheckParams> = {
  type: 'tokencheck',
  version: 2,
  description: 'Count tokens with the model\'s encoding and fail on colliding first tokens, missing classes, too few or too long examples, or too high a cost.',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      model: { type: 'string', minLength: 1, description: "Model whose encoding, limits and price apply. Default: the pipeline's model." },
      distinct_first_token: {
        type: 'boolean', default: true,
        description: 'Fail when two classes share their first token (they cannot be told apart with max_tokens: 1). Turn off for pipelines that evaluate longer completions.',
      },
      min_train_examples: { type: 'integer', minimum: 1, default: 10, description: 'Fail with fewer training examples (OpenAI requires 10).' },
      n_epochs: {
        anyOf: [{ const: 'auto' }, { type: 'integer', minimum: N_EPOCHS[0], maximum: N_EPOCHS[1] }], default: 'auto',
        description: "Epochs for the cost estimate. Default: the downstream train stage's n_epochs; auto uses OpenAI's heuristic (3, kept within 100..25,000 example passes, clamped to 1..25).",
      },
      system: {
        type: 'string',
        description: "Chat models: the system message counted in every conversation that has none. Default: the downstream upload stage's.",
      },
      format: {
        enum: ['auto', 'prompt-completion', 'chat'], default: 'auto',
        description: "The fine-tuning format examples are counted in (auto: prompt/completion for babbage-002 and davinci-002, chat otherwise). Default: the downstream upload stage's.",
      },
      max_cost_usd: {
        type: 'number', minimum: 0,
        description: 'Fail when the estimated training cost exceeds this (USD). Default: config `max_cost_usd`, else no limit.',
      },
      context_limit: { type: 'integer', minimum: 1, description: "Maximum tokens per example. Default: the model's limit (16,384 for babbage-002/davinci-002, 65,536 for gpt-4o/4.1, an open model's context length)." },
      tokenizer: {
        type: 'string', minLength: 1,
        description: "The model's own tokenizer: a Hugging Face tokenizer.json, or a model folder holding one (and tokenizer_config.json, whose chat_template renders chat examples), relative to this file; its files enter the key. Default: tiktoken for OpenAI's models; for open models (Qwen/..., meta-llama/..., google/gemma-...), their tokenizer.json in the Hugging Face cache.",
      },
    },
  },
  inputs: () => ['train', 'valid'],
  outputs: () => ['train', 'valid', 'report'],
  // The tokenizer named by `tokenizer:` is hashed into the key, so a changed tokenizer reruns the check.
  workspaceFiles: (p, dir) => getTokenizerFiles(p.tokenizer, dir),
  impl: () => import('./run.ts'),
  // A cache hit checks that an open model's tokenizer in the Hugging Face cache is still the one counted with.
  restores: true,
  // Count what the downstream stages will do: train's epochs, and the lines upload writes.
  follows: {
    n_epochs: { type: 'train', param: 'n_epochs' },
    system: { type: 'upload', param: 'system' },
    format: { type: 'upload', param: 'format' },
  },
};
