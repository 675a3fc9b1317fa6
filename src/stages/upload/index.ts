// `upload`: convert train/valid records to the model's fine-tuning format and upload them (purpose fine-tune).
import type { StageDef } from '../types.ts';

/** `with:` of an upload stage. */
export interface UploadParams {
  /** Base model whose format the files take. Default: the pipeline's model. */
  model?: string;
  /** Chat models: a system message put first in every conversation that has none. */
  system?: string;
  /** `auto`: prompt/completion for babbage-002 and davinci-002, chat otherwise. */
  format: 'auto' | 'prompt-completion' | 'chat';
}

/** The upload stage type. */
export const upload: StageDef<UploadParams> = {
  type: 'upload',
  version: 1,
  description: "Convert train and valid records to the model's fine-tuning format and upload them, reusing files already on the provider.",
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      model: { type: 'string', minLength: 1, description: "Base model whose fine-tuning format the files take. Default: the pipeline's model." },
      system: { type: 'string', description: 'Chat models only: a system message put first in every conversation that has none.' },
      format: {
        enum: ['auto', 'prompt-completion', 'chat'], default: 'auto',
        description: 'auto: prompt/completion for babbage-002 and davinci-002, chat messages for every other model.',
      },
    },
  },
  inputs: () => ['train', 'valid'],
  outputs: () => ['files'],
  remote: true,
  restores: true,
  checksRemote: true,
  impl: () => import('./run.ts'),
};
