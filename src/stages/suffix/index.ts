// `suffix`: prompt separator, completion ending, leading space, and optional label codes (`labels:`).
import type { StageDef } from '../types.ts';

export interface SuffixParams {
  prompt: string;
  completion: string;
  leading_space: boolean;
  labels?: 'auto' | Record<string, string>;
  model?: string;
}

export const suffix: StageDef<SuffixParams> = {
  type: 'suffix',
  version: 1,
  description: 'Append the prompt separator and completion ending, ensure a leading space, optionally recode labels to distinct single tokens.',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      prompt: {
        type: 'string', default: 'auto',
        description: 'Separator appended to every prompt (not to chat records). `auto` picks the first of the legacy prepare_data list (" ->" only when no prompt has a newline, then "\\n\\n###\\n\\n", "\\n\\n===\\n\\n", ...) that occurs in no prompt; "" adds none.',
      },
      completion: {
        type: 'string', default: '\n',
        description: 'Ending appended to every completion, so the model learns where to stop. `auto` picks the first of "\\n", ".", " END", "***", ... absent from every completion; "" adds none.',
      },
      leading_space: { type: 'boolean', default: true, description: 'Start every completion with a space (tokenizers attach it to the first word).' },
      labels: {
        description: '`auto`: give every class a distinct single-token code for the model\'s encoding and write the `labels` artifact. Or an explicit map {label: code}.',
        oneOf: [{ const: 'auto' }, { type: 'object', minProperties: 1, additionalProperties: { type: 'string', minLength: 1 } }],
      },
      model: { type: 'string', minLength: 1, description: "Model whose encoding label codes are checked against. Default: the pipeline's model." },
    },
  },
  inputs: () => ['dataset'],
  outputs: (p) => (p.labels === undefined ? ['dataset'] : ['dataset', 'labels']),
  rows: 'transform',
  impl: () => import('./run.ts'),
};
