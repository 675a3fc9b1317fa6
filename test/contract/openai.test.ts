// The local server against OpenAI's published OpenAPI document (test/fixtures/specs/openai.json, MIT): the official
// SDK drives every operation of the files, fine-tuning jobs (events, checkpoints, cancel), models, completions and
// chat completions families that the server implements, errors included; every exchange must conform.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contract, recordingFetch, type AllowList, type Exchange } from '../helpers/openapi.ts';
import { smallSms, startTestServer, toChat, toJsonl, waitForJob, type TestServer } from '../local/helpers.ts';

const ALLOW = JSON.parse(readFileSync(join(import.meta.dirname, 'allow-list.json'), 'utf8')) as { openai: AllowList };

/** Operations of the families that the local server does not implement yet (each answers 404; see docs/contracts.md). */
const NOT_YET = ['POST /fine_tuning/jobs/{fine_tuning_job_id}/pause', 'POST /fine_tuning/jobs/{fine_tuning_job_id}/resume', 'GET /chat/completions', 'GET /chat/completions/{completion_id}', 'POST /chat/completions/{completion_id}', 'DELETE /chat/completions/{completion_id}', 'GET /chat/completions/{completion_id}/messages'];

describe('the local server against OpenAI\'s OpenAPI document', () => {
  const contract = new Contract('openai', ALLOW.openai);
  const exchanges: Exchange[] = [];
  let t: TestServer;
  let client: OpenAI;

  beforeAll(async () => {
    t = await startTestServer();
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
});
