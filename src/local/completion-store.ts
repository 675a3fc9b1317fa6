// Stored chat completions (created with `store: true`): chat_completions/<id>.json, written atomically, kept in
// memory, listed oldest first as OpenAI lists them.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from './http.ts';
import { readJsonRecord, writeJsonAtomic, type UnreadableRecord } from './json-records.ts';

/** A chat completion object as answered. */
export interface ChatCompletionObject {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  [field: string]: unknown;
}

/** A stored chat completion: as answered, with the metadata it was stored with. */
export interface StoredChatCompletion extends ChatCompletionObject {
  metadata: Record<string, string> | null;
}

/** One input message of a stored completion, as GET /chat/completions/{id}/messages lists it. */
export interface StoredMessage {
  id: string;
  role: string;
  content: string;
  refusal: null;
  /** The text and image parts, when the message was sent as parts; otherwise null. */
  content_parts: unknown[] | null;
}

interface CompletionRecord {
  seq: number;
  completion: StoredChatCompletion;
  messages: StoredMessage[];
}

function shapeProblem(value: unknown, id: string): string | undefined {
  const record = value as Partial<CompletionRecord> | null;
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return 'not a JSON object';
  if (record.completion?.id !== id) return `no "completion" object with id ${JSON.stringify(id)}`;
  return typeof record.seq === 'number' && Array.isArray(record.messages) ? undefined : 'no "seq" number or "messages" list';
}

export class CompletionStore {
  readonly dir: string;
  /** Records whose JSON is garbage: left on disk, named in the log. */
  readonly unreadable = new Map<string, UnreadableRecord>();
  private readonly records = new Map<string, CompletionRecord>();
  private nextSeq = 0;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'chat_completions');
    mkdirSync(this.dir, { recursive: true });
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith('.json')) continue;
      const id = name.slice(0, -'.json'.length);
      const path = join(this.dir, name);
      const read = readJsonRecord<CompletionRecord>(path, (value) => shapeProblem(value, id));
      if (read && 'problem' in read) this.unreadable.set(id, { id, path, problem: read.problem });
      else if (read) {
        this.records.set(id, read.value);
        this.nextSeq = Math.max(this.nextSeq, read.value.seq + 1);
      }
    }
  }

  add(completion: StoredChatCompletion, messages: StoredMessage[]): void {
    const record = { seq: this.nextSeq++, completion, messages };
    writeJsonAtomic(this.path(completion.id), record);
    this.records.set(completion.id, record);
  }

  /** Every stored completion, oldest first. */
  list(): StoredChatCompletion[] {
    return [...this.records.values()].sort((a, b) => a.seq - b.seq).map((r) => r.completion);
  }

  get(id: string): StoredChatCompletion {
    return this.record(id).completion;
  }

  messages(id: string): StoredMessage[] {
    return this.record(id).messages;
  }

  setMetadata(id: string, metadata: Record<string, string>): StoredChatCompletion {
    const record = this.record(id);
    const updated = { ...record, completion: { ...record.completion, metadata } };
    writeJsonAtomic(this.path(id), updated);
    this.records.set(id, updated);
    return updated.completion;
  }

  delete(id: string): void {
    this.record(id);
    rmSync(this.path(id), { force: true });
    this.records.delete(id);
  }

  private record(id: string): CompletionRecord {
    const record = this.records.get(id);
    if (!record) {
      const bad = this.unreadable.get(id);
      if (bad) throw new ApiError(500, `chat completion ${id} cannot be read: ${bad.path} is not a valid record (${bad.problem})`, { param: 'completion_id', code: 'record_unreadable', retry: false });
      throw new ApiError(404, `No chat completion found with id '${id}'. Only completions created with store: true are stored.`, { param: 'completion_id', code: 'not_found' });
    }
    return record;
  }

  private path(id: string): string {
    // Ids are the server's own (chatcmpl-...); anything else cannot name a record, and cannot leave the folder.
    if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new ApiError(404, `No chat completion found with id '${id}'.`, { param: 'completion_id', code: 'not_found' });
    return join(this.dir, `${id}.json`);
  }
}
