// The record model shared by every data stage: prompt/completion pairs or chat conversations.

/** One chat message, as in OpenAI's chat fine-tuning format. */
export interface ChatMessage {
  role: string;
  content?: string | null;
  name?: string;
  weight?: number;
  [key: string]: unknown;
}

/** A dataset line. `_row` is the 1-based source row; `_file` the source file when several were loaded. */
export interface DataRecord {
  prompt?: string;
  completion?: string;
  messages?: ChatMessage[];
  _row?: number;
  _file?: string;
  [key: string]: unknown;
}

/** True for chat records (`messages`), false for prompt/completion records. */
export function isChat(record: DataRecord): boolean {
  return Array.isArray(record.messages);
}

/** The text a record is conditioned on: the prompt, or every non-assistant-final message joined. */
export function getPromptText(record: DataRecord): string {
  if (!isChat(record)) return record.prompt ?? '';
  const messages = record.messages!;
  const last = lastAssistantIndex(messages);
  return messages
    .filter((_, i) => i !== last)
    .map((m) => `${m.role}: ${m.content ?? ''}`)
    .join('\n');
}

/** The text a record teaches: the completion, or the last assistant message's content. */
export function getCompletionText(record: DataRecord): string {
  if (!isChat(record)) return record.completion ?? '';
  const messages = record.messages!;
  const last = lastAssistantIndex(messages);
  return last < 0 ? '' : String(messages[last]!.content ?? '');
}

/** A copy of the record with its completion (or last assistant content) replaced. */
export function withCompletion(record: DataRecord, completion: string): DataRecord {
  if (!isChat(record)) return { ...record, completion };
  const messages = record.messages!.slice();
  const last = lastAssistantIndex(messages);
  if (last >= 0) messages[last] = { ...messages[last]!, content: completion };
  return { ...record, messages };
}

/** Index of the last assistant message, or -1. */
export function lastAssistantIndex(messages: ChatMessage[]): number {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]?.role === 'assistant') return i;
  return -1;
}

/** `file:row` when the source file is known, else `row N`: how messages name a source row. */
export function formatRow(row: number | undefined, file?: string): string {
  return file ? `${file}:${row ?? '?'}` : `row ${row ?? '?'}`;
}

/** formatRow for a record's `_row`/`_file`. */
export function describeRow(record: DataRecord): string {
  return formatRow(record._row, record._file);
}
