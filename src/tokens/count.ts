// Token counting per example as a provider bills it over the line upload writes, with a thread's TokenCounter: OpenAI's
// cookbook formulas, or for a tokenizer with a chat template (open models), the conversation as the template renders it.
import { DataError } from '../errors.ts';
import { describeRow } from '../data/records.ts';
import type { ChatMessage, DataRecord } from '../data/records.ts';
import { convertRecord } from './format.ts';
import type { Conversion } from './format.ts';
import type { TokenCounter } from './text-counter.ts';

export { LONG_PIECE_CHARS } from './text-counter.ts';

/** Cookbook constants: 3 tokens per message, 1 more for a name, 3 priming the reply. */
export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_PER_NAME = 1;
export const TOKENS_PER_CONVERSATION = 3;

/** Records counted as they are: prompt/completion lines, chat records keep their messages (no system message added). */
export const AS_IS: Conversion = { format: 'prompt-completion', prompt_separator: '', completion_ending: '' };

/** A fine-tuning line: what upload writes for a record. */
export type BilledLine = { prompt: string; completion: string } | { messages: ChatMessage[] };

/**
 * The line upload writes for a record under `conv` (tokens/format.ts convertRecord: chat lines get the system
 * message when they have none; prompt/completion records become user/assistant messages for chat models). A chat
 * record for a prompt/completion model, or one with a message that is not an object, is counted as it is: upload
 * refuses the first, and tokencheck reports the second as a chat format error.
 */
export function toBilledLine(record: DataRecord, conv: Conversion): BilledLine {
  const messages = record.messages;
  if (Array.isArray(messages) && (conv.format !== 'chat' || messages.some((m) => m === null || typeof m !== 'object'))) return { messages };
  return convertRecord(record, conv) as BilledLine;
}

/**
 * Counts one example as billed: returns its tokens, adds its tokens per role to `roles`, and sets `first.token` to
 * the id of its answer's first token (the completion, or the last assistant message; -1 when empty).
 */
export function countExample(record: DataRecord, conv: Conversion, counter: TokenCounter, roles: Record<string, number>, first: { token: number }): number {
  const line = toBilledLine(record, conv);
  if ('messages' in line) {
    return counter.renderChat && line.messages.every(isObject) ? countTemplated(record, line, counter, roles, first) : countChat(line.messages, counter, roles, first);
  }
  const prompt = counter.count(line.prompt);
  const completion = counter.count(line.completion);
  first.token = counter.first;
  roles.prompt = (roles.prompt ?? 0) + prompt;
  roles.completion = (roles.completion ?? 0) + completion;
  return prompt + completion;
}

/** OpenAI cookbook `num_tokens_from_messages`: every string value of every message is encoded. */
function countChat(messages: ChatMessage[], counter: TokenCounter, roles: Record<string, number>, first: { token: number }): number {
  let total = TOKENS_PER_CONVERSATION;
  first.token = -1;
  for (const message of messages) {
    total += TOKENS_PER_MESSAGE;
    if (message === null || typeof message !== 'object') continue; // a chat format error, reported as such
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

/**
 * A conversation as the model's chat template renders it (what an open model trains on), counted as one text; the
 * role totals are the messages' contents counted alone, and the first token is the last assistant content's.
 * A template that refuses the conversation (raise_exception) is a DataError naming the row.
 */
function countTemplated(record: DataRecord, line: { messages: ChatMessage[]; tools?: unknown }, counter: TokenCounter, roles: Record<string, number>, first: { token: number }): number {
  let text: string;
  try {
    text = counter.renderChat!(line.messages as unknown as Record<string, unknown>[], line.tools);
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw new DataError(`${describeRow(record)}: the model's chat template cannot render this conversation: ${(error as Error).message}`, { cause: error });
  }
  const total = counter.count(text);
  first.token = -1;
  for (const message of line.messages) {
    if (typeof message.content !== 'string') continue;
    const n = counter.count(message.content);
    roles[message.role] = (roles[message.role] ?? 0) + n;
    if (message.role === 'assistant') first.token = counter.first;
  }
  return total;
}

/** A chat message that is an object (a message that is not is a chat format error, counted by the cookbook formula). */
function isObject(message: unknown): boolean {
  return message !== null && typeof message === 'object' && !Array.isArray(message);
}
