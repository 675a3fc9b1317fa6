// Chat-format checks from OpenAI's fine-tuning data-prep cookbook.
import type { DataRecord } from '../data/records.ts';

export type ChatFormatError =
  | 'missing_messages_list'
  | 'message_missing_key'
  | 'message_unrecognized_key'
  | 'unrecognized_role'
  | 'missing_content'
  | 'example_missing_assistant_message';

const ROLES = new Set(['system', 'user', 'assistant', 'function', 'tool', 'developer']);
const KEYS = new Set(['role', 'content', 'name', 'function_call', 'tool_calls', 'tool_call_id', 'weight']);

/** What is wrong with one chat example (empty when fine). */
export function findChatFormatErrors(record: DataRecord): ChatFormatError[] {
  const messages = record.messages;
  if (!Array.isArray(messages) || messages.length === 0) return ['missing_messages_list'];
  const errors = new Set<ChatFormatError>();
  for (const m of messages) {
    if (!m || typeof m !== 'object' || !('role' in m) || !('content' in m)) errors.add('message_missing_key');
    if (m && typeof m === 'object' && Object.keys(m).some((k) => !KEYS.has(k))) errors.add('message_unrecognized_key');
    if (!ROLES.has(String(m?.role))) errors.add('unrecognized_role');
    const content = m?.content;
    if ((!content && !m?.function_call && !m?.tool_calls) || (content != null && typeof content !== 'string')) errors.add('missing_content');
  }
  if (!messages.some((m) => m?.role === 'assistant')) errors.add('example_missing_assistant_message');
  return [...errors];
}
