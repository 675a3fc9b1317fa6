// Shared helpers for the local server's end-to-end tests: real data, a real server, the official SDK.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { startLocalServer, type LocalServer, type LocalServerOptions } from '../../src/local/index.ts';
import { tempDir } from '../helpers/temp.ts';

export interface Row {
  prompt: string;
  completion: string;
}

const SMS_PATH = new URL('../data/sms-spam/SMSSpamCollection.tsv', import.meta.url);

/** SMS spam as prompt/completion rows (legacy format: separator and leading space), duplicates of a text dropped. */
export function loadSms(): Row[] {
  const seen = new Set<string>();
  const rows: Row[] = [];
  for (const line of readFileSync(SMS_PATH, 'latin1').split(/\r?\n/).slice(1)) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const text = line.slice(tab + 1);
    if (seen.has(text)) continue;
    seen.add(text);
    rows.push({ prompt: `${text}\n\n###\n\n`, completion: ` ${line.slice(0, tab)}\n` });
  }
  return rows;
}

/** A stratified split: every `every`-th row of each class goes to validation. */
export function splitStratified(rows: Row[], every = 5): { train: Row[]; valid: Row[] } {
  const counts = new Map<string, number>();
  const train: Row[] = [];
  const valid: Row[] = [];
  for (const row of rows) {
    const i = counts.get(row.completion) ?? 0;
    counts.set(row.completion, i + 1);
    (i % every === every - 1 ? valid : train).push(row);
  }
  return { train, valid };
}

/** Rows as chat examples with a system message. */
export function toChat(rows: Row[]): Array<{ messages: Array<{ role: string; content: string }> }> {
  return rows.map((r) => ({
    messages: [
      { role: 'system', content: 'Classify the SMS as ham or spam.' },
      { role: 'user', content: r.prompt.replace(/\n\n###\n\n$/, '') },
      { role: 'assistant', content: r.completion.trim() },
    ],
  }));
}

/** JSONL text of records. */
export function toJsonl(records: unknown[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

/** Uploads JSONL text with purpose fine-tune. */
export async function upload(client: OpenAI, text: string, name: string): Promise<string> {
  const file = await client.files.create({ file: await toFile(Buffer.from(text, 'utf8'), name), purpose: 'fine-tune' });
  return file.id;
}

/** A fresh temporary data folder. */
export function makeDataDir(): string {
  return tempDir('tunefile-local-');
}

export interface TestServer {
  server: LocalServer;
  client: OpenAI;
  dataDir: string;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 with an ephemeral port, a key, and a client that uses them. */
export async function startTestServer(options: Partial<LocalServerOptions> = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? makeDataDir();
  const apiKey = options.apiKey ?? 'sk-test-local-key';
  const server = await startLocalServer({ ...options, dataDir, apiKey, port: 0 });
  const client = new OpenAI({ apiKey, baseURL: server.url, maxRetries: 0 });
  return {
    server,
    client,
    dataDir,
    close: async () => {
      await server.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls a job until it reaches a terminal status. */
export async function waitForJob(client: OpenAI, id: string, timeoutMs = 60_000): Promise<OpenAI.FineTuning.FineTuningJob> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await client.fineTuning.jobs.retrieve(id);
    if (['succeeded', 'failed', 'cancelled'].includes(job.status)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status} after ${timeoutMs} ms`);
    // Polls: the interval sets only how soon a terminal status is seen, never which one.
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every item of a list endpoint, page by page with `after`. */
export async function collectPages<T extends { id: string }>(fetchPage: (after?: string) => Promise<{ data: T[]; has_more: boolean }>): Promise<T[]> {
  const all: T[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await fetchPage(after);
    all.push(...page.data);
    if (!page.has_more) return all;
    after = page.data.at(-1)!.id;
  }
}

/** A small balanced SMS sample (n per class), enough for quick jobs. */
export function smallSms(perClass = 15): Row[] {
  const rows = loadSms();
  const ham = rows.filter((r) => r.completion === ' ham\n').slice(0, perClass);
  const spam = rows.filter((r) => r.completion === ' spam\n').slice(0, perClass);
  return ham.flatMap((h, i) => [h, spam[i]!]);
}

/** The result CSV and the first-token logprobs on `rows` of a finished job. */
export async function fingerprint(client: OpenAI, job: OpenAI.FineTuning.FineTuningJob, rows: Row[]): Promise<{ csv: string; predictions: unknown[] }> {
  const csv = await (await client.files.content(job.result_files[0]!)).text();
  const out = await client.completions.create({ model: job.fine_tuned_model!, prompt: rows.map((r) => r.prompt), max_tokens: 1, temperature: 0, logprobs: 2 });
  return { csv, predictions: out.choices.map((c) => [c.text, c.logprobs!.top_logprobs![0]]) };
}
