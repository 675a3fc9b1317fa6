// Which tiktoken encoding an OpenAI model uses (encoding.ts re-exports it; kept apart so tokenizer-source.ts can use it).

export type EncodingName = 'o200k_base' | 'cl100k_base';

/**
 * The encoding of a base or fine-tuned model name.
 * o200k_base: gpt-4o, gpt-4.1, o-series and newer; cl100k_base: babbage-002, davinci-002, gpt-3.5, gpt-4.
 * Fine-tuned names (`ft:<base>:...`) use their base model's encoding.
 */
export function encodingNameForModel(model: string): EncodingName {
  const base = model.startsWith('ft:') ? model.split(':')[1] ?? '' : model;
  if (/^(babbage-002|davinci-002|gpt-3\.5|gpt-4(?![.o])|gpt-4-|text-embedding)/.test(base)) return 'cl100k_base';
  return 'o200k_base';
}
