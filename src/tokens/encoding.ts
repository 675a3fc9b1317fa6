// Which tiktoken encoding a model uses, and lazily loaded encoders (the ranks are large).
import type { Tiktoken } from 'js-tiktoken/lite';

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

const cache = new Map<EncodingName, Promise<Tiktoken>>();

/** The encoder for an encoding name, loaded once per process. */
export function getEncoding(name: EncodingName): Promise<Tiktoken> {
  let pending = cache.get(name);
  if (!pending) {
    pending = (async () => {
      const { Tiktoken } = await import('js-tiktoken/lite');
      const ranks = name === 'o200k_base'
        ? (await import('js-tiktoken/ranks/o200k_base')).default
        : (await import('js-tiktoken/ranks/cl100k_base')).default;
      return new Tiktoken(ranks);
    })();
    cache.set(name, pending);
  }
  return pending;
}

/** The encoder for a model name. */
export function getEncodingForModel(model: string): Promise<Tiktoken> {
  return getEncoding(encodingNameForModel(model));
}
