// Maps a raw source row to a record: field names for prompt/completion or messages, scalar coercion.
import { didYouMean } from '../../errors.ts';
import { exactNumberKind, exactNumbersAsText, isExactNumber } from '../../data/json-numbers.ts';
import type { ChatMessage, DataRecord } from '../../data/records.ts';

export interface FieldMapping {
  prompt: string;
  completion: string;
  /** Field holding chat messages; when unset, a row with `messages` and no prompt field is chat. */
  messages?: string;
  /** Extra source fields copied into each record (e.g. for split's group_by). */
  keep_fields: string[];
}

/** Counts of values turned into strings, by field role and original type. */
export type Coercions = Record<string, Record<string, number>>;

/**
 * A record, or why the row is not one. For a field the row lacks: `option` is the load option naming it, and `detail`
 * the row's own fields with a "did you mean", for the error message (the rejects artifact keeps the short reason).
 */
export type MappedRow = { record: DataRecord } | { reason: string; option?: 'prompt' | 'completion'; detail?: string };

/** Builds a record from a row's values, or says why it is not a usable record. */
export function mapRow(values: Record<string, unknown>, mapping: FieldMapping, coercions: Coercions): MappedRow {
  const messagesField = mapping.messages ?? (!(mapping.prompt in values) && values.messages !== undefined ? 'messages' : undefined);
  const record: DataRecord = {};
  if (messagesField) {
    const checked = checkMessages(exactNumbersAsText(values[messagesField]), messagesField);
    if (typeof checked === 'string') return { reason: checked };
    record.messages = checked;
  } else {
    const prompt = toText(values[mapping.prompt], 'prompt', mapping.prompt, coercions);
    if (prompt.reason) return missingOrBad(prompt.reason, 'prompt', mapping.prompt, values);
    const completion = toText(values[mapping.completion], 'completion', mapping.completion, coercions);
    if (completion.reason) return missingOrBad(completion.reason, 'completion', mapping.completion, values);
    if (completion.text === '') return { reason: `empty completion (field '${mapping.completion}')` };
    record.prompt = prompt.text;
    record.completion = completion.text;
  }
  for (const field of mapping.keep_fields) {
    if (field in values) record[field] = exactNumbersAsText(values[field]);
  }
  return { record };
}

/** A row's reason; when the field is absent, with the row's own fields and a "did you mean" (a misspelt `prompt:`). */
function missingOrBad(reason: string, option: 'prompt' | 'completion', field: string, values: Record<string, unknown>): MappedRow {
  if (values[field] !== undefined) return { reason };
  const names = Object.keys(values);
  const guess = didYouMean(field, names);
  const fields = names.length > 0 ? `; the row has ${names.map((n) => `'${n}'`).join(', ')}` : '; the row has no fields';
  return { reason, option, detail: `${fields}${guess === undefined ? '' : `; did you mean '${guess}'?`}` };
}

/** A field value as text; numbers and booleans are converted and counted, others are reasons. */
function toText(value: unknown, role: string, field: string, coercions: Coercions): { text: string; reason?: string } {
  if (typeof value === 'string') return { text: value };
  if (value === undefined) return { text: '', reason: `missing ${role} (no field '${field}')` };
  if (value === null) return { text: '', reason: `missing ${role} (field '${field}' is null)` };
  if (typeof value === 'number' || typeof value === 'boolean') {
    countCoercion(coercions, role, typeof value === 'boolean' ? 'boolean' : Number.isInteger(value) ? 'integer' : 'number');
    return { text: String(value) };
  }
  if (isExactNumber(value)) {
    // A number a double would change (a 20-digit id, `1.0`): its text as written, so distinct labels stay distinct.
    countCoercion(coercions, role, exactNumberKind(value));
    return { text: value.rawJSON };
  }
  return { text: '', reason: `field '${field}' (${role}) is ${Array.isArray(value) ? 'an array' : 'an object'}, expected text` };
}

function countCoercion(coercions: Coercions, role: string, kind: string): void {
  const byKind = (coercions[role] ??= {});
  byKind[kind] = (byKind[kind] ?? 0) + 1;
}

/** Roles a fine-tuning chat example may use (OpenAI's chat format). */
const CHAT_ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

/** Structural check of chat messages: roles and an assistant answer (tokencheck runs the full cookbook checks). */
function checkMessages(value: unknown, field: string): ChatMessage[] | string {
  if (!Array.isArray(value)) return `field '${field}' is not a list of messages`;
  if (value.length === 0) return `field '${field}' is an empty list`;
  for (let i = 0; i < value.length; i++) {
    const m = value[i] as ChatMessage;
    if (m === null || typeof m !== 'object' || Array.isArray(m)) return `${field}[${i}] is not an object`;
    if (typeof m.role !== 'string') return `${field}[${i}] has no role`;
    if (!CHAT_ROLES.has(m.role)) return `${field}[${i}] has role '${m.role}'; expected system, developer, user, assistant, tool or function`;
  }
  if (!value.some((m: ChatMessage) => m.role === 'assistant')) return `field '${field}' has no assistant message (the answer the model should learn)`;
  return value as ChatMessage[];
}
