// The local server against OpenAI's published OpenAPI document (test/fixtures/specs/openai.json, MIT): the official
// SDK drives every operation of the files, fine-tuning jobs (events, checkpoints, cancel), models, completions and
// chat completions families (pause and resume, stored completions), errors included; every exchange must conform.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdAt } from '../helpers/hold.ts';
import { Contract, recordingFetch, toExchange, type AllowList, type Exchange } from '../helpers/openapi.ts';
import { smallSms, startTestServer, toChat, toJsonl, waitForJob, type TestServer } from '../local/helpers.ts';

const ALLOW = JSON.parse(readFileSync(join(import.meta.dirname, 'allow-list.json'), 'utf8')) as { openai: AllowList };

/** Operations of the families that the local server does not implement (each would answer 404; see docs/contracts.md). None today. */
const NOT_YET: string[] = [];

describe('the local server against OpenAI\'s OpenAPI document', () => {
  const contract = new Contract('openai', ALLOW.openai);
  const exchanges: Exchange[] = [];
  let t: TestServer;
  let client: OpenAI;

  // Jobs hold before step 100, which only the job paused below reaches (600 steps): it is running when paused.
  const hold = holdAt(100);

  beforeAll(async () => {
    t = await startTestServer({ hold: { step: 100, path: hold.path } });
    client = new OpenAI({ apiKey: 'sk-test-local-key', baseURL: t.server.url, maxRetries: 0, fetch: recordingFetch(t.server.url, exchanges) });
  });
  afterAll(async () => {
    await t.close();
  });

  it('every response conforms, across every implemented operation and its errors', async () => {
    // Files.
    const upload = async (text: string, name: string) => client.files.create({ file: await toFile(Buffer.from(text), name), purpose: 'fine-tune' });
    const train = await upload(toJsonl(smallSms()), 'train.jsonl');
    const chatTrain = await upload(toJsonl(toChat(smallSms())), 'chat.jsonl');
    const spare = await upload('{"prompt": "a", "completion": " b"}\n', 'spare.jsonl');
    await client.files.list();
    await client.files.list({ purpose: 'fine-tune', limit: 2, order: 'asc' });
    await client.files.retrieve(train.id);
    await (await client.files.content(train.id)).text();
    await client.files.delete(spare.id);

    // Fine-tuning jobs, events, checkpoints, cancel.
    const hyperparameters = { n_epochs: 2, batch_size: 5 };
    const job = await client.fineTuning.jobs.create({ model: 'babbage-002', training_file: train.id, validation_file: train.id, seed: 1, suffix: 'contract', metadata: { team: 'a' }, method: { type: 'supervised', supervised: { hyperparameters } } });
    const chatJob = await client.fineTuning.jobs.create({ model: 'gpt-4o-mini-2024-07-18', training_file: chatTrain.id, hyperparameters: { n_epochs: 1 } });
    const done = await waitForJob(client, job.id);
    const chatDone = await waitForJob(client, chatJob.id);
    await client.fineTuning.jobs.list({ limit: 1 });
    await client.fineTuning.jobs.list({ metadata: { team: 'a' } });
    await client.fineTuning.jobs.retrieve(job.id);
    await client.fineTuning.jobs.listEvents(job.id, { limit: 5 });
    await client.fineTuning.jobs.checkpoints.list(job.id);
    const toCancel = await client.fineTuning.jobs.create({ model: 'babbage-002', training_file: train.id, hyperparameters: { n_epochs: 20 } });
    await client.fineTuning.jobs.cancel(toCancel.id);
    // Pause and resume, on a job held while running.
    const toPause = await client.fineTuning.jobs.create({ model: 'babbage-002', training_file: train.id, hyperparameters: { n_epochs: 20, batch_size: 1 } });
    expect((await hold.held()).job_id).toBe(toPause.id);
    expect((await client.fineTuning.jobs.pause(toPause.id)).status).toBe('paused');
    await client.fineTuning.jobs.retrieve(toPause.id);
    await client.fineTuning.jobs.list({ limit: 1 });
    await client.fineTuning.jobs.resume(toPause.id);
    await client.fineTuning.jobs.cancel(toPause.id);

    // Models.
    await client.models.list();
    await client.models.retrieve(done.fine_tuned_model!);
    const checkpoint = (await client.fineTuning.jobs.checkpoints.list(job.id)).data[0]!;

    // Completions and chat completions, plain and streamed.
    const prompt = smallSms()[0]!.prompt;
    await client.completions.create({ model: done.fine_tuned_model!, prompt: [prompt, 'x'], max_tokens: 1, logprobs: 2, n: 2, temperature: 0 });
    await client.completions.create({ model: checkpoint.fine_tuned_model_checkpoint, prompt, max_tokens: 2 });
    for await (const _ of await client.completions.create({ model: done.fine_tuned_model!, prompt, max_tokens: 2, logprobs: 1, stream: true, stream_options: { include_usage: true } }));
    const messages = [{ role: 'system' as const, content: 'Classify the SMS as ham or spam.' }, { role: 'user' as const, content: 'WINNER! claim your prize' }];
    await client.chat.completions.create({ model: chatDone.fine_tuned_model!, messages, max_completion_tokens: 1, logprobs: true, top_logprobs: 2, n: 2 });
    for await (const _ of await client.chat.completions.create({ model: chatDone.fine_tuned_model!, messages, logprobs: true, top_logprobs: 1, stream: true, stream_options: { include_usage: true } }));
    // Stored chat completions: created with store: true (plain and streamed), listed, filtered, updated, deleted.
    const stored = await client.chat.completions.create({ model: chatDone.fine_tuned_model!, messages, max_completion_tokens: 1, store: true, metadata: { run: 'contract' } });
    for await (const _ of await client.chat.completions.create({ model: chatDone.fine_tuned_model!, messages: [{ role: 'user', content: [{ type: 'text', text: 'Free entry' }] }], store: true, stream: true }));
    await client.chat.completions.create({ model: chatDone.fine_tuned_model!, messages, max_completion_tokens: 1 });
    expect((await client.chat.completions.list()).data.map((c) => c.id)[0]).toBe(stored.id);
    await client.chat.completions.list({ model: chatDone.fine_tuned_model!, limit: 1, order: 'desc' });
    expect((await client.chat.completions.list({ metadata: { run: 'contract' } })).data.map((c) => c.id)).toEqual([stored.id]);
    expect((await client.chat.completions.list({ metadata: { run: 'none' } })).data).toEqual([]);
    expect((await client.chat.completions.retrieve(stored.id)).metadata).toEqual({ run: 'contract' });
    expect((await client.chat.completions.update(stored.id, { metadata: { run: 'updated' } })).metadata).toEqual({ run: 'updated' });
    expect((await client.chat.completions.messages.list(stored.id)).data.map((m) => [m.role, m.content])).toEqual(messages.map((m) => [m.role, m.content]));
    await client.chat.completions.messages.list(stored.id, { limit: 1, order: 'desc' });
    expect(await client.chat.completions.delete(stored.id)).toEqual({ object: 'chat.completion.deleted', id: stored.id, deleted: true });
    const doomed = await waitForJob(client, (await client.fineTuning.jobs.create({ model: 'babbage-002', training_file: train.id, seed: 5 })).id);
    await client.models.delete(doomed.fine_tuned_model!);

    // Errors: each status the server answers with.
    const fails = (call: Promise<unknown>) => call.then(() => { throw new Error('expected an error'); }, (e: unknown) => expect(e).toBeInstanceOf(OpenAI.APIError));
    await fails(client.files.retrieve('file-missing'));
    await fails(client.fineTuning.jobs.retrieve('ftjob-missing'));
    await fails(client.fineTuning.jobs.cancel(job.id));
    await fails(client.files.delete(train.id).then(() => client.files.delete(train.id)));
    await fails(client.fineTuning.jobs.create({ model: 'no-such-model', training_file: chatTrain.id }));
    await fails(client.completions.create({ model: 'babbage-002', prompt }));
    await fails(client.models.retrieve('ft:babbage-002:local::missing'));
    await fails(client.chat.completions.retrieve(stored.id));
    await fails(client.chat.completions.update(stored.id, { metadata: {} }));
    await fails(client.fineTuning.jobs.pause(job.id));
    await fails(client.fineTuning.jobs.resume(job.id));
    await fails(new OpenAI({ apiKey: 'sk-wrong', baseURL: t.server.url, maxRetries: 0, fetch: recordingFetch(t.server.url, exchanges) }).models.list());

    expect(exchanges.length).toBeGreaterThan(30);
    const problems = exchanges.flatMap((x) => contract.problems(x));
    expect(problems).toEqual([]);

    // Every operation of these families is driven, or listed as not yet implemented.
    const driven = new Set(exchanges.map((x) => { const op = contract.operation(x.method, x.path); return op ? `${x.method} ${op.template}` : ''; }));
    const declared = contract.operations().filter((op) => !NOT_YET.includes(op));
    expect(declared.filter((op) => !driven.has(op))).toEqual([]);
    for (const op of NOT_YET) expect(driven.has(op), `${op} is driven: take it off NOT_YET`).toBe(false);
  });

  it('finds a missing required field, an unknown field and a wrong enum value (the checker itself)', () => {
    const file = { id: 'file-1', object: 'file', bytes: 1, created_at: 1, filename: 'a.jsonl', purpose: 'fine-tune', status: 'processed' };
    const x = (body: unknown): Exchange => ({ method: 'GET', path: '/files/file-1', status: 200, contentType: 'application/json', body });
    expect(contract.problems(x(file))).toEqual([]);
    const { created_at: _gone, ...withoutCreated } = file;
    expect(contract.problems(x(withoutCreated)).join('\n')).toContain("must have required property 'created_at'");
    expect(contract.problems(x({ ...file, color: 'red' })).join('\n')).toContain('OpenAIFile: color is not in the document');
    expect(contract.problems(x({ ...file, status: 'sleeping' })).join('\n')).toContain('must be equal to one of the allowed values');
    expect(contract.problems(x({ ...file, expires_at: null })).join('\n')).toContain('/expires_at must be integer');
    expect(contract.problems({ ...x(file), path: '/files/file-1/nothing' })).toEqual(['GET /files/file-1/nothing 200: no such operation in the openai document']);
  });

  it('validates multipart request bodies field by field (the file part as its name)', async () => {
    const file = { id: 'file-1', object: 'file', bytes: 1, created_at: 1, filename: 'a.jsonl', purpose: 'fine-tune', status: 'processed' };
    const sent = async (fields: Record<string, string>) => {
      const form = new FormData();
      form.set('file', new Blob(['{"prompt": "a", "completion": " b"}\n']), 'a.jsonl');
      for (const [k, v] of Object.entries(fields)) form.set(k, v);
      const request = new Request('http://127.0.0.1/v1/files', { method: 'POST', body: form });
      return toExchange({ method: 'POST', path: '/files', status: 200, contentType: 'application/json', text: JSON.stringify(file), requestContentType: request.headers.get('content-type')!, requestText: await request.text() });
    };
    const good = await sent({ purpose: 'fine-tune' });
    expect(good.requestBody).toEqual({ file: 'a.jsonl', purpose: 'fine-tune' });
    expect(contract.problems(good)).toEqual([]);
    expect(contract.problems(await sent({})).join('\n')).toContain("request: (body) must have required property 'purpose'");
    expect(contract.problems(await sent({ purpose: 'fine-tune', colour: 'red' })).join('\n')).toContain('colour is not in the document');
  });

  it('an allow-list entry loosens only its own path, and one that names nothing is refused', () => {
    // role=user is allowed on a stored completion's messages, not on the assistant message of a chat completion,
    // although both reach the same ChatCompletionResponseMessage schema.
    const message = { role: 'user', content: 'hi', refusal: null };
    const list = { object: 'list', data: [{ ...message, id: 'm-0', content_parts: null }], first_id: 'm-0', last_id: 'm-0', has_more: false };
    expect(contract.problems({ method: 'GET', path: '/chat/completions/c-1/messages', status: 200, contentType: 'application/json', body: list })).toEqual([]);
    const completion = { id: 'c-1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message, logprobs: null, finish_reason: 'stop' }] };
    expect(contract.problems({ method: 'POST', path: '/chat/completions', status: 200, contentType: 'application/json', body: completion }).join('\n')).toContain('/choices/0/message/role must be equal to one of the allowed values');
    expect(contract.problems({ method: 'GET', path: '/chat/completions/c-1/messages', status: 200, contentType: 'application/json', body: { ...list, data: [{ ...list.data[0], role: 'robot' }] } }).join('\n')).toContain('must be equal to one of the allowed values');
    expect(() => new Contract('openai', { enums: { 'FineTuningJob.colour=red': 'x' } })).toThrow('FineTuningJob.colour names no field of the document');
    expect(() => new Contract('openai', { enums: { 'FineTuningJob.id=x': 'x' } })).toThrow('FineTuningJob.id=x: the field has no enum');
    expect(() => new Contract('openai', { nullable: { 'OpenAIFile.id[].x': 'x' } })).toThrow('id is not a list');
  });
});
