// Converts dataset records to a model's fine-tuning format, and to the matching inference request.
// Shared by upload (training lines) and evaluate (requests), so both see the same text.
import { DataError } from '../errors.ts';
import { COMPLETION_ENDINGS, PROMPT_SEPARATORS } from '../data/separators.ts';
import { describeRow, lastAssistantIndex, type ChatMessage, type DataRecord } from '../data/records.ts';
import type { FineTuneFormat } from './model-format.ts';

/**
 * How records become fine-tuning lines. For chat models, prompt/completion records become a user
 * message (the prompt without its separator) and an assistant message (the completion without its
 * ending and surrounding whitespace): a chat model needs neither marker.
 */
export interface Conversion {
  format: FineTuneFormat;
  /** Chat: a system message put first in every conversation that has none. */
  system?: string;
  /** Chat from prompt/completion: the separator removed from the end of every prompt ('' for none). */
  prompt_separator: string;
  /** Chat from prompt/completion: the ending removed from the end of every completion ('' for none). */
  completion_ending: string;
}

/** An inference request for one record, and the answer text the model was taught for it. */
export type ModelRequest = ({ kind: 'completion'; prompt: string } | { kind: 'chat'; messages: ChatMessage[] }) & {
  /** The prompt as a person reads it (the user message for chat). */
  display: string;
  /** The taught answer: the completion (with its leading space and ending) or the assistant text. */
  answer: string;
};

const CHAT_EXTRA_FIELDS = ['tools', 'functions', 'parallel_tool_calls'];

/** The longest legacy separator every prompt ends with, and the longest ending every completion ends with. */
export async function detectMarkers(records: AsyncIterable<DataRecord> | Iterable<DataRecord>): Promise<{ prompt_separator: string; completion_ending: string }> {
  let seps: string[] | undefined;
  let ends: string[] | undefined;
  for await (const r of records) {
    if (Array.isArray(r.messages)) continue;
    const prompt = r.prompt ?? '';
    const completion = r.completion ?? '';
    seps = (seps ?? PROMPT_SEPARATORS).filter((s) => prompt.endsWith(s));
    ends = (ends ?? COMPLETION_ENDINGS).filter((e) => completion.endsWith(e) && completion.length > e.length);
  }
  const longest = (list: string[] | undefined) => (list ?? []).reduce((a, b) => (b.length > a.length ? b : a), '');
  return { prompt_separator: longest(seps), completion_ending: longest(ends) };
}

/** One fine-tuning line for a record: `{prompt, completion}` or `{messages}`; fields starting with `_` are dropped. */
export function convertRecord(record: DataRecord, conv: Conversion): Record<string, unknown> {
  if (conv.format === 'prompt-completion') {
    if (Array.isArray(record.messages)) {
      throw new DataError(`${describeRow(record)}: a chat record (messages) cannot train a prompt/completion model`, {
        hint: 'use a chat model (e.g. gpt-4o-mini), or load the data as prompt/completion pairs',
      });
    }
    return { prompt: record.prompt ?? '', completion: record.completion ?? '' };
  }
  const line: Record<string, unknown> = { messages: withSystem(chatMessagesOf(record, conv), conv.system) };
  for (const field of CHAT_EXTRA_FIELDS) if (record[field] !== undefined) line[field] = record[field];
  return line;
}

/** The inference request for a record, in the same format the model was trained on. */
export function buildRequest(record: DataRecord, conv: Conversion): ModelRequest {
  if (conv.format === 'prompt-completion') {
    const line = convertRecord(record, conv) as { prompt: string; completion: string };
    return { kind: 'completion', prompt: line.prompt, display: line.prompt, answer: line.completion };
  }
  const messages = withSystem(chatMessagesOf(record, conv), conv.system);
  const last = lastAssistantIndex(messages);
  if (last < 0) throw new DataError(`${describeRow(record)}: the conversation has no assistant message to evaluate against`);
  const context = messages.slice(0, last);
  const user = [...context].reverse().find((m) => m.role === 'user');
  return { kind: 'chat', messages: context, display: String(user?.content ?? ''), answer: String(messages[last]!.content ?? '') };
}

function chatMessagesOf(record: DataRecord, conv: Conversion): ChatMessage[] {
  if (Array.isArray(record.messages)) return record.messages.map(stripPrivate);
  const prompt = record.prompt ?? '';
  const completion = record.completion ?? '';
  const user = conv.prompt_separator && prompt.endsWith(conv.prompt_separator) ? prompt.slice(0, -conv.prompt_separator.length) : prompt;
  const answer = conv.completion_ending && completion.endsWith(conv.completion_ending) ? completion.slice(0, -conv.completion_ending.length) : completion;
  return [{ role: 'user', content: user }, { role: 'assistant', content: answer.trim() }];
}

function withSystem(messages: ChatMessage[], system: string | undefined): ChatMessage[] {
  if (system === undefined || messages[0]?.role === 'system') return messages;
  return [{ role: 'system', content: system }, ...messages];
}

function stripPrivate(message: ChatMessage): ChatMessage {
  return Object.fromEntries(Object.entries(message).filter(([k]) => !k.startsWith('_'))) as ChatMessage;
}
