// Counts texts with a Hugging Face tokenizer (the model's own), and renders conversations with its chat template:
// the TokenCounter countTokens uses for open models, always in the calling thread (count-tokens.ts says why).
import type { HfTokenizer } from './hf-tokenizer.ts';
import { TokenCounter, type TextCounterOptions } from './text-counter.ts';

/** A counter over a Hugging Face tokenizer: counts are those of `tokenizer.encode(text, add_special_tokens=False)`. */
export class HfTextCounter extends TokenCounter {
  readonly tokenizer: HfTokenizer;

  constructor(tokenizer: HfTokenizer, options: TextCounterOptions = {}) {
    super(options);
    this.tokenizer = tokenizer;
  }

  tokenText(id: number): string {
    return id < 0 ? '' : this.tokenizer.decode([id]);
  }

  override renderChat(messages: Record<string, unknown>[], tools?: unknown): string {
    return this.tokenizer.renderChat(messages, { tools });
  }

  /** The whole text through the tokenizer: its normalizer and pre-tokenizer are the library's, so no piece cache. */
  protected countFresh(text: string): number {
    const ids = this.tokenizer.encodeOrdinary(text);
    this.first = ids.length > 0 ? ids[0]! : -1;
    return ids.length;
  }
}
