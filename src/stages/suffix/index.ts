// `suffix`: prompt separator, completion ending, leading space, and optional label codes (`labels:`).
import { getTokenizerFiles } from '../../tokens/encoding.ts';
import type { StageDef } from '../types.ts';

export interface SuffixParams {
  prompt: string;
  completion: string;
  leading_space: boolean;
  labels?: 'auto' | Record<string, string>;
  model?: string;
  /** A Hugging Face tokenizer.json, or a model folder holding one; relative to the pipeline's folder. Default: tokencheck's. */
  tokenizer?: string;
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
      tokenizer: {
        type: 'string', minLength: 1,
        description: "With `labels:`, the tokenizer codes are single tokens in: a Hugging Face tokenizer.json, or a model folder holding one, relative to this file; its files enter the key. Default: the downstream tokencheck stage's `tokenizer`, else as tokencheck finds it (tiktoken for OpenAI's models, the Hugging Face cache for open models).",
      },
    },
  },
  inputs: () => ['dataset'],
  outputs: (p) => (p.labels === undefined ? ['dataset'] : ['dataset', 'labels']),
  rows: 'transform',
  // Label codes are chosen in the tokenizer `tokenizer:` names: its files are hashed into the key.
  workspaceFiles: (p, dir) => (p.labels === undefined ? [] : getTokenizerFiles(p.tokenizer, dir)),
  impl: () => import('./run.ts'),
  // A cache hit with label codes checks that an open model's tokenizer in the Hugging Face cache is unchanged.
  restores: true,
  // Codes are checked against the tokenizer tokencheck counts with.
  follows: { tokenizer: { type: 'tokencheck', param: 'tokenizer' } },
};
