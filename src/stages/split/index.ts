// `split`: seeded, stratified train/valid split (xoshiro128**, largest remainder), optional groups.
import type { StageDef } from '../types.ts';
import type { SplitOptions } from './split.ts';

/**
 * The stage's params are the algorithm's options. min_class_size and drop_rare have no schema default (2, false), so
 * they stay out of the keys of pipelines that never set them.
 */
export type SplitParams = SplitOptions;

export const split: StageDef<SplitParams> = {
  type: 'split',
  version: 1,
  description: 'Split records into train and valid: seeded, byte-identical everywhere, stratified by label for classification data.',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      valid: {
        anyOf: [{ type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 }, { type: 'integer', minimum: 1 }],
        default: 0.2,
        description: 'Validation share: a fraction in (0, 1) (rounded to whole rows) or a row count >= 1.',
      },
      seed: {
        type: ['integer', 'string'], default: 42,
        description: 'Seed of the xoshiro128** generator (state = first 16 bytes of sha256("tunefile:<seed>")).',
      },
      stratify: {
        anyOf: [{ type: 'boolean' }, { const: 'auto' }], default: 'auto',
        description: 'Keep each class in proportion in both sets (largest remainder, at least one row of every class in each). auto: when the data is classification (distinct completions < n/3).',
      },
      group_by: {
        type: 'string', minLength: 1,
        description: 'Record field whose equal values stay in the same set (load it with `keep_fields`). With stratify, a group counts for its first row\'s class.',
      },
      min_class_size: {
        type: 'integer', minimum: 2,
        description: 'Fewest examples (with group_by: groups) a class needs. Default 2, the least a stratified split can put in both sets. Checked when the split is stratified (a smaller class fails the stage) and by drop_rare.',
      },
      drop_rare: {
        type: 'boolean',
        description: 'Remove the rows of classes with fewer than min_class_size examples instead of failing, with a warning; the report lists them (`dropped`). Only for classification data. Default false.',
      },
    },
  },
  inputs: () => ['dataset'],
  outputs: () => ['train', 'valid', 'report'],
  rows: 'sink',
  impl: () => import('./run.ts'),
};
