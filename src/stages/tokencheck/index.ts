// `tokencheck`: the gate before money is spent: token counts, first-token rule, limits, epochs and cost.
import type { StageDef } from '../types.ts';

export interface TokencheckParams {
  model?: string;
  distinct_first_token: boolean;
  min_train_examples: number;
  n_epochs: number | 'auto';
  max_cost_usd?: number;
  context_limit?: number;
}

export const tokencheck: StageDef<TokencheckParams> = {
  type: 'tokencheck',
  version: 1,
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
        anyOf: [{ const: 'auto' }, { type: 'integer', minimum: 1, maximum: 50 }], default: 'auto',
        description: "Epochs for the cost estimate; auto uses OpenAI's heuristic (3, kept within 100..25,000 example passes, clamped to 1..25).",
      },
      max_cost_usd: {
        type: 'number', minimum: 0,
        description: 'Fail when the estimated training cost exceeds this (USD). Default: config `max_cost_usd`, else no limit.',
      },
      context_limit: { type: 'integer', minimum: 1, description: "Maximum tokens per example. Default: the model's limit (16,384 for babbage-002/davinci-002, 65,536 for gpt-4o/4.1)." },
    },
  },
  inputs: () => ['train', 'valid'],
  outputs: () => ['train', 'valid', 'report'],
  impl: () => import('./run.ts'),
};
