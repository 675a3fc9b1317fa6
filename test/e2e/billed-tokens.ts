// The e2e tests' own count of what a provider bills for an uploaded fine-tuning file, written from OpenAI's cookbook
// with js-tiktoken directly (deliberately not src/tokens): prompt + completion tokens per prompt/completion line; per chat
// line 3 tokens per message, the tokens of each string value of each message, 1 more per name, and 3 per conversation.
import { getEncoding } from 'js-tiktoken';

/**
 * The encoding of each base model, from OpenAI's tiktoken (`tiktoken/model.py`). Not js-tiktoken's
 * encodingForModel: its table still maps babbage-002 to r50k_base and davinci-002 to p50k_base.
 */
const ENCODINGS = { 'babbage-002': 'cl100k_base', 'gpt-4o-mini': 'o200k_base' } as const;

/** Per-epoch billed tokens of a fine-tuning JSONL text for a base model. */
export function cookbookTokens(jsonl: string, model: keyof typeof ENCODINGS): number {
  const enc = getEncoding(ENCODINGS[model]);
  const memo = new Map<string, number>();
  const n = (text: string) => {
    let count = memo.get(text);
    if (count === undefined) memo.set(text, (count = enc.encode(text, [], []).length));
    return count;
  };
  let total = 0;
  for (const line of jsonl.split('\n')) {
    if (line.trim() === '') continue;
    const example = JSON.parse(line) as { prompt?: string; completion?: string; messages?: Record<string, unknown>[] };
    if (!example.messages) {
      total += n(example.prompt!) + n(example.completion!);
      continue;
    }
    total += 3;
    for (const message of example.messages) {
      total += 3;
      for (const [key, value] of Object.entries(message)) {
        if (typeof value !== 'string') continue;
        total += n(value);
        if (key === 'name') total += 1;
      }
    }
  }
  return total;
}
