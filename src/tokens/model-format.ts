// Which fine-tuning format a model takes: prompt/completion for the legacy completion models, chat otherwise.

/** The JSONL shape a fine-tuning file has for a model. */
export type FineTuneFormat = 'prompt-completion' | 'chat';

/** Base models fine-tuned on prompt/completion pairs (OpenAI's legacy completion models). */
export const COMPLETION_MODELS: readonly string[] = ['babbage-002', 'davinci-002'];

/** The base model of a model name: `ft:<base>:<org>:<suffix>:<id>` -> `<base>`; other names unchanged. */
export function getBaseModel(model: string): string {
  return model.startsWith('ft:') ? (model.split(':')[1] ?? model) : model;
}

/** The fine-tuning format of a base or fine-tuned model. */
export function getFormatForModel(model: string): FineTuneFormat {
  return COMPLETION_MODELS.includes(getBaseModel(model)) ? 'prompt-completion' : 'chat';
}
