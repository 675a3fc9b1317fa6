// Parses and checks fine-tune JSONL (prompt/completion or chat messages) into labelled prompts.

/** One training example: the text the features come from and its class label. */
export interface Example {
  /** The prompt, or the chat's messages before the final assistant message, joined by newlines. */
  prompt: string;
  /** The completion, or the final assistant message's content. */
  label: string;
  /** Its 1-based line in the file. */
  line: number;
}

export type DatasetFormat = 'prompt_completion' | 'chat';

export interface Dataset {
  format: DatasetFormat;
  examples: Example[];
}

/** A bad line in an uploaded file: `line N: reason`. */
export class LineError extends Error {
  readonly line: number;
  readonly reason: string;
  constructor(line: number, reason: string) {
    super(`line ${line}: ${reason}`);
    this.name = 'LineError';
    this.line = line;
    this.reason = reason;
  }
}

const CHAT_ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);
const SEGMENT_JOIN = '\n';

/** Parses a fine-tune JSONL text; throws LineError naming the first bad line. */
export function parseFineTuneJsonl(text: string): Dataset {
  const examples: Example[] = [];
  let format: DatasetFormat | undefined;
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i]!.replace(/\r$/, '');
    if (raw.trim() === '') throw new LineError(lineNo, 'empty line; expected one JSON object per line');
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new LineError(lineNo, `not valid JSON (${(error as Error).message})`);
    }
    const example = toExample(value, lineNo);
    if (format === undefined) format = example.format;
    else if (example.format !== format) {
      throw new LineError(lineNo, `mixes formats: earlier lines are ${describeFormat(format)}, this one is ${describeFormat(example.format)}`);
    }
    examples.push({ prompt: example.prompt, label: example.label, line: lineNo });
  }
  if (examples.length === 0) throw new LineError(1, 'the file is empty; expected JSONL with one example per line');
  return { format: format!, examples };
}

function describeFormat(format: DatasetFormat): string {
  return format === 'chat' ? 'chat {"messages": [...]}' : 'prompt/completion';
}

function toExample(value: unknown, line: number): { format: DatasetFormat; prompt: string; label: string } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new LineError(line, `expected a JSON object, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
  }
  const record = value as Record<string, unknown>;
  if ('messages' in record) return toChatExample(record.messages, line);
  if (!('prompt' in record) || !('completion' in record)) {
    throw new LineError(line, 'expected {"prompt": string, "completion": string} or {"messages": [...]}');
  }
  if (typeof record.prompt !== 'string') throw new LineError(line, '"prompt" must be a string');
  if (typeof record.completion !== 'string') throw new LineError(line, '"completion" must be a string');
  if (record.completion === '') throw new LineError(line, '"completion" is empty');
  return { format: 'prompt_completion', prompt: record.prompt, label: record.completion };
}

function toChatExample(messages: unknown, line: number): { format: DatasetFormat; prompt: string; label: string } {
  if (!Array.isArray(messages) || messages.length === 0) throw new LineError(line, '"messages" must be a non-empty array');
  const contents: string[] = [];
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as { role?: unknown; content?: unknown } | null;
    if (m === null || typeof m !== 'object') throw new LineError(line, `messages[${i}] must be an object with "role" and "content"`);
    if (typeof m.role !== 'string' || !CHAT_ROLES.has(m.role)) {
      throw new LineError(line, `messages[${i}].role must be one of ${[...CHAT_ROLES].join(', ')} (got ${JSON.stringify(m.role)})`);
    }
    const content = messageText(m.content);
    if (content === undefined) throw new LineError(line, `messages[${i}].content must be a string or an array of text parts`);
    contents.push(content);
  }
  const last = messages[messages.length - 1] as { role: string };
  if (last.role !== 'assistant') throw new LineError(line, 'the last message must be the assistant\'s answer (role "assistant")');
  const label = contents.pop()!;
  if (label === '') throw new LineError(line, 'the assistant message is empty');
  return { format: 'chat', prompt: contents.join(SEGMENT_JOIN), label };
}

/** The text of a chat message's content (a string or an array of `{type: "text", text}` parts). */
export function messageText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const parts: string[] = [];
  for (const part of content) {
    if (part === null || typeof part !== 'object' || typeof (part as { text?: unknown }).text !== 'string') return undefined;
    parts.push((part as { text: string }).text);
  }
  return parts.join('');
}

/** The prompt text of chat messages at inference time: every message's content, joined as in training. */
export function chatPromptText(messages: Array<{ content?: unknown }>): string {
  return messages.map((m) => messageText(m.content) ?? '').join(SEGMENT_JOIN);
}

export const MIN_EXAMPLES = 10;

/** Why the data cannot train the local classifier, or undefined when it can. */
export function checkClassification(train: Dataset, valid: Dataset | undefined): string | undefined {
  const n = train.examples.length;
  if (n < MIN_EXAMPLES) return `the training file has ${n} example${n === 1 ? '' : 's'}; at least ${MIN_EXAMPLES} are required`;
  const classes = new Set(train.examples.map((e) => e.label));
  if (classes.size < 2) return `every training example has the same completion ${JSON.stringify([...classes][0])}; a classifier needs at least 2 classes`;
  if (classes.size >= n / 3) {
    return `the local trainer supports classification only, and this is not classification data: ${classes.size} distinct completions for ${n} examples (classification needs fewer than n/3 = ${Math.ceil(n / 3)}, as the legacy prepare_data rule). Use a hosted provider for open-ended generation.`;
  }
  if (valid && train.format !== valid.format) return `the training file is ${describeFormat(train.format)} but the validation file is ${describeFormat(valid.format)}`;
  for (const e of valid?.examples ?? []) {
    if (!classes.has(e.label)) return `validation file line ${e.line}: completion ${JSON.stringify(e.label)} is not a class of the training file`;
  }
  return undefined;
}

/** The classes of a dataset, sorted by code unit so their order is the same everywhere. */
export function listClasses(train: Dataset): string[] {
  return [...new Set(train.examples.map((e) => e.label))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
