// Token counting per example (OpenAI's formulas), over a thread's TextCounter.
import type { DataRecord } from '../data/records.ts';
import type { TextCounter } from './text-counter.ts';

export { LONG_PIECE_CHARS } from './text-counter.ts';

/** Cookbook constants: 3 tokens per message, 1 more for a name, 3 priming the reply. */
export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_PER_NAME = 1;
export const TOKENS_PER_CONVERSATION = 3;

/**
 * Counts one example: returns the tokens it costs, adds its tokens per role to `roles`, and sets `first.token` to
 * the id of its completion's first token (last assistant message for chat; -1 when empty).
 */
export function countExample(record: DataRecord, counter: TextCounter, roles: Record<string, number>, first: { token: number }): number {
  if (Array.isArray(record.messages)) return countChat(record, counter, roles, first);
  const prompt = counter.count(record.prompt ?? '');
  const completion = counter.count(record.completion ?? '');
  first.token = counter.first;
  roles.prompt = (roles.prompt ?? 0) + prompt;
  roles.completion = (roles.completion ?? 0) + completion;
  return prompt + completion;
}

/** OpenAI cookbook `num_tokens_from_messages`: every string value of every message is encoded. */
function countChat(record: DataRecord, counter: TextCounter, roles: Record<string, number>, first: { token: number }): number {
  let total = TOKENS_PER_CONVERSATION;
  first.token = -1;
  for (const message of record.messages!) {
    total += TOKENS_PER_MESSAGE;
    for (const [key, value] of Object.entries(message)) {
      if (typeof value !== 'string') continue;
      const n = counter.count(value);
      total += n;
      if (key === 'name') total += TOKENS_PER_NAME;
      if (key === 'content') {
        roles[message.role] = (roles[message.role] ?? 0) + n;
        if (message.role === 'assistant') first.token = counter.first;
      }
    }
  }
  return total;
}
