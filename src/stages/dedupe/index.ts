// `dedupe`: removes duplicate prompts (or prompt+completion pairs) and handles conflicting labels.
import type { StageDef } from '../types.ts';
import type { DedupeOptions } from './dedupe.ts';

export type DedupeParams = DedupeOptions;

export const dedupe: StageDef<DedupeParams> = {
  type: 'dedupe',
  version: 1,
  description: 'Remove duplicate examples; report every removed row and every conflicting label group.',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      on: {
        enum: ['prompt', 'prompt+completion'], default: 'prompt',
        description: 'What makes two records duplicates: the same prompt, or the same prompt and completion. Chat records compare all messages but the last assistant one.',
      },
      keep: { enum: ['first', 'last'], default: 'first', description: 'Which occurrence of a duplicate group is kept.' },
      normalize: {
        enum: ['none', 'whitespace', 'casefold'], default: 'none',
        description: 'How texts are compared: exactly; with whitespace runs collapsed and ends trimmed; or that and lower-cased.',
      },
      conflicts: {
        enum: ['keep-first', 'drop', 'fail'], default: 'keep-first',
        description: 'The same prompt with different completions: keep the first occurrence (and its label), drop every row of the group, or fail naming the rows.',
      },
    },
  },
  inputs: () => ['dataset'],
  outputs: () => ['dataset', 'report'],
  rows: 'transform',
  impl: () => import('./run.ts'),
};
