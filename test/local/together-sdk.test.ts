// The official together-ai SDK against `tunefile serve`'s Together API (/together/v1): it uploads a file (its two-step
// upload with the local format check), creates a fine-tune, follows its events to completion, and gets a chat
// completion from the result, which has learned the labels.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contract, recordingFetch, type AllowList, type Exchange } from '../helpers/openapi.ts';
import { tempDir } from '../helpers/temp.ts';
import { loadSms, smallSms, startTestServer, toChat, toJsonl, type TestServer } from './helpers.ts';

const ALLOW = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'contract', 'allow-list.json'), 'utf8')) as { together: AllowList };

describe('the together-ai SDK against the local server', () => {
  const exchanges: Exchange[] = [];
  let t: TestServer;
  let client: import('together-ai').Together;
  const nodeFetch = globalThis.fetch;

  beforeAll(async () => {
    t = await startTestServer();
    // The SDK's upload reads its base URL from the environment when the module loads, not from the client. Its
    // CommonJS build is loaded: the ES module build's upload calls require() for node:fs and fails under ESM
    // ("extname is not a function").
    process.env.TOGETHER_API_BASE_URL = t.server.togetherUrl;
    // together-ai 0.52.0's upload PUTs a Node read stream through the global fetch without `duplex: 'half'`, which
    // Node's fetch requires for a streamed body ("RequestInit: duplex option is required"). This shim adds only that
    // option, so the SDK's own two-step upload runs unchanged.
    const recording = recordingFetch(t.server.togetherUrl, exchanges, nodeFetch);
    globalThis.fetch = (input, init) => recording(input, init?.body && typeof (init.body as { pipe?: unknown }).pipe === 'function' ? ({ ...init, duplex: 'half' } as RequestInit) : init);
    const { Together } = createRequire(import.meta.url)('together-ai') as typeof import('together-ai');
    client = new Together({ apiKey: 'sk-test-local-key', baseURL: t.server.togetherUrl, maxRetries: 0, fetch: recordingFetch(t.server.togetherUrl, exchanges, nodeFetch) });
  });
  afterAll(async () => {
    delete process.env.TOGETHER_API_BASE_URL;
    globalThis.fetch = nodeFetch;
    await t.close();
  });

  it('uploads, fine-tunes, follows the events to completion and answers chat completions with the labels', async () => {
    const path = join(tempDir('tunefile-together-'), 'sms.jsonl');
    writeFileSync(path, toJsonl(toChat(smallSms(40))));
    const file = await client.files.upload(path, 'fine-tune');
    expect(file).toMatchObject({ object: 'file', filename: 'sms.jsonl', purpose: 'fine-tune', FileType: 'jsonl', Processed: true });
    expect((await client.files.list()).data.map((f) => f.id)).toContain(file.id);

    const created = await client.fineTuning.create({ model: 'Qwen/Qwen3-8B', training_file: file.id, n_epochs: 3, batch_size: 8, learning_rate: 1, suffix: 'sms', random_seed: 4 });
    expect(created).toMatchObject({ model: 'Qwen/Qwen3-8B', n_epochs: 3, batch_size: 8, suffix: 'sms', training_file: file.id });
    expect(['pending', 'queued', 'running']).toContain(created.status);

    // Follow the events as a user would, until the job says it is done.
    let job = await client.fineTuning.retrieve(created.id);
    const seen = new Set<string>();
    while (!['completed', 'error', 'cancelled'].includes(String(job.status))) {
      for (const e of (await client.fineTuning.listEvents(created.id)).data) seen.add(e.message);
      job = await client.fineTuning.retrieve(created.id);
    }
    expect(job.status).toBe('completed');
    expect([...seen].length).toBeGreaterThan(0);
    expect((await client.fineTuning.listCheckpoints(created.id)).data.length).toBe(3);
    expect((await client.fineTuning.list()).data.map((j) => j.id)).toContain(created.id);

    // The fine-tuned model answers with the labels it learned, better than the majority class.
    const rows = loadSms().slice(400, 500);
    let correct = 0;
    for (const chat of toChat(rows)) {
      const answer = await client.chat.completions.create({ model: job.model_output_name!, messages: chat.messages.slice(0, 2) as never, max_tokens: 1 });
      const text = answer.choices[0]!.message!.content;
      expect(['ham', 'spam']).toContain(text);
      if (text === chat.messages[2]!.content) correct += 1;
    }
    const majority = Math.max(...['ham', 'spam'].map((l) => rows.filter((r) => r.completion.trim() === l).length));
    expect(correct).toBeGreaterThan(majority);

    // Every exchange conforms to Together's published document, except the SDK's two upload steps (POST /files
    // answered 302, then PUT to the upload URL), which the document does not describe; it documents the multipart
    // POST /files/upload instead, driven here too.
    const form = new FormData();
    form.set('file', new Blob([toJsonl(toChat(smallSms(5)))]), 'small.jsonl');
    form.set('file_name', 'small.jsonl');
    form.set('purpose', 'fine-tune');
    const multipart = await client.post<{ id: string; filename: string }>('/files/upload', { body: form });
    expect(multipart.filename).toBe('small.jsonl');
    // An OpenAI base model is not one Together fine-tunes: a 400 in Together's error shape, nothing created.
    const jobsBefore = (await client.fineTuning.list()).data.length;
    await expect(client.fineTuning.create({ model: 'babbage-002', training_file: file.id })).rejects.toMatchObject({ status: 400 });
    expect((await client.fineTuning.list()).data.length).toBe(jobsBefore);
    const long = await client.fineTuning.create({ model: 'meta-llama/Meta-Llama-3.1-8B-Instruct-Reference', training_file: file.id, n_epochs: 50 });
    expect((await client.fineTuning.cancel(long.id)).status).toBe('cancelled');
    expect((await client.fineTuning.retrieve(long.id)).status).toBe('cancelled');
    expect(await client.files.delete(multipart.id)).toEqual({ id: multipart.id, deleted: true });
    expect((await client.files.list()).data.map((f) => f.id)).not.toContain(multipart.id);
    const undocumented = (x: Exchange) => (x.method === 'POST' && x.path === '/files' && x.status === 302) || (x.method === 'PUT' && x.path.startsWith('/uploads/'));
    expect(exchanges.filter(undocumented).map((x) => `${x.method} ${x.status}`)).toEqual(['POST 302', 'PUT 200']);
    // The upload URL needs no key because it is single-use: a second PUT to it, or to a made-up one, is a 404 and
    // stores nothing.
    const uploadPath = exchanges.find((x) => x.method === 'PUT')!.path;
    const filesBefore = (await client.files.list()).data.length;
    for (const path of [uploadPath, '/uploads/upload-madeup']) {
      expect((await nodeFetch(`${t.server.togetherUrl}${path}`, { method: 'PUT', body: 'x' })).status).toBe(404);
    }
    expect((await client.files.list()).data.length).toBe(filesBefore);
    const contract = new Contract('together', ALLOW.together);
    expect([...new Set(exchanges.filter((x) => !undocumented(x)).flatMap((x) => contract.problems(x).map((p) => p.replace(/(file|ftjob)-[A-Za-z0-9]+/g, '$1-ID'))))]).toEqual([]);
  });
});
