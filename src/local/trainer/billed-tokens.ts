// What a provider bills per epoch for a fine-tuning file: each example's tokens, chat examples as OpenAI's cookbook counts them.
import { messageText } from '../dataset.ts';

/** Cookbook `num_tokens_from_messages`: 3 tokens per message, 1 more for a name, 3 priming the reply. */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const TOKENS_PER_CONVERSATION = 3;

/** Tokens of a text in the base model's encoding. */
export type CountTokens = (text: string) => number;

/**
 * Billed tokens of one epoch over a fine-tuning JSONL text (already validated): prompt + completion tokens for
 * prompt/completion lines; for chat lines, every message (system included) costs 3, plus the tokens of each of its
 * string values (role, content, name, ...; content given as text parts counts their text), plus 1 for a name, and
 * each conversation 3.
 */
export function countBilledTokens(text: string, count: CountTokens): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    total += countLine(JSON.parse(line) as Record<string, unknown>, count);
  }
  return total;
}

function countLine(line: Record<string, unknown>, count: CountTokens): number {
  if (!Array.isArray(line.messages)) return count(String(line.prompt ?? '')) + count(String(line.completion ?? ''));
  let total = TOKENS_PER_CONVERSATION;
  for (const message of line.messages as Record<string, unknown>[]) {
    total += TOKENS_PER_MESSAGE;
    for (const [key, value] of Object.entries(message)) {
      const text = key === 'content' ? messageText(value) : typeof value === 'string' ? value : undefined;
      if (text === undefined) continue;
      total += count(text);
      if (key === 'name') total += TOKENS_PER_NAME;
    }
  }
  return total;
}
