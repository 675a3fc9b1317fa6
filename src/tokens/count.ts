// Token counting per example: a pure function over a chunk of records, so it can move to worker threads.
import type { Tiktoken } from 'js-tiktoken/lite';
import type { DataRecord } from '../data/records.ts';

/** Token counts of one example. */
export interface ExampleTokens {
  /** Tokens the example costs in training (chat: OpenAI cookbook formula). */
  total: number;
  /** Tokens per role: `prompt`/`completion`, or chat roles' content. */
  roles: Record<string, number>;
  /** Id of the first token of the completion (last assistant message for chat); -1 when empty. */
  firstToken: number;
}

/** Cookbook constants: 3 tokens per message, 1 more for a name, 3 priming the reply. */
export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_PER_NAME = 1;
export const TOKENS_PER_CONVERSATION = 3;

/** Encodes texts, caching short repeated ones (labels) in `cache`. */
export function encodeText(enc: Tiktoken, text: string, cache?: Map<string, number[]>): number[] {
  if (cache && text.length <= 64) {
    let ids = cache.get(text);
    if (!ids) {
      ids = enc.encode(text, [], []);
      if (cache.size < 100_000) cache.set(text, ids);
    }
    return ids;
  }
  return enc.encode(text, [], []);
}

/** Counts tokens for each record of a chunk. */
export function countExampleTokens(records: DataRecord[], enc: Tiktoken, cache?: Map<string, number[]>): ExampleTokens[] {
  return records.map((record) => (Array.isArray(record.messages) ? countChat(record, enc, cache) : countPair(record, enc, cache)));
}

function countPair(record: DataRecord, enc: Tiktoken, cache?: Map<string, number[]>): ExampleTokens {
  const prompt = encodeText(enc, record.prompt ?? '', cache).length;
  const completionIds = encodeText(enc, record.completion ?? '', cache);
  return { total: prompt + completionIds.length, roles: { prompt, completion: completionIds.length }, firstToken: completionIds[0] ?? -1 };
}

/** OpenAI cookbook `num_tokens_from_messages`: every string value of every message is encoded. */
function countChat(record: DataRecord, enc: Tiktoken, cache?: Map<string, number[]>): ExampleTokens {
  let total = TOKENS_PER_CONVERSATION;
  const roles: Record<string, number> = {};
  let firstToken = -1;
  for (const message of record.messages!) {
    total += TOKENS_PER_MESSAGE;
    for (const [key, value] of Object.entries(message)) {
      if (typeof value !== 'string') continue;
      const ids = encodeText(enc, value, cache);
      total += ids.length;
      if (key === 'name') total += TOKENS_PER_NAME;
      if (key === 'content') {
        roles[message.role] = (roles[message.role] ?? 0) + ids.length;
        if (message.role === 'assistant') firstToken = ids[0] ?? -1;
      }
    }
  }
  return { total, roles, firstToken };
}
