// Errors come back in OpenAI's shape, so the SDK raises its own classes.
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallSms, startTestServer, toJsonl, upload, waitForJob, type TestServer } from './helpers.ts';

describe('local server errors through the SDK', () => {
  let t: TestServer;
  let trainId: string;

  beforeAll(async () => {
    t = await startTestServer({ maxUploadBytes: 100_000 });
    trainId = await upload(t.client, toJsonl(smallSms()), 'small.jsonl');
  });
  afterAll(async () => {
    await t.close();
  });

  it('raises NotFoundError for an unknown job, file or model', async () => {
    await expect(t.client.fineTuning.jobs.retrieve('ftjob-doesnotexist')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(t.client.fineTuning.jobs.listEvents('ftjob-doesnotexist')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(t.client.files.retrieve('file-doesnotexist')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(t.client.files.content('file-doesnotexist')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const error = await t.client.completions.create({ model: 'ft:babbage-002:local::nosuchjob', prompt: 'x', max_tokens: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
  });

  it('raises AuthenticationError for a wrong or missing key, without echoing it', async () => {
    const wrong = new OpenAI({ apiKey: 'sk-wrong-key-123', baseURL: t.server.url, maxRetries: 0 });
    const error = await wrong.files.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(String((error as Error).message)).not.toContain('sk-wrong-key-123');
    const raw = await fetch(`${t.server.url}/files`);
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual({ error: { message: expect.stringContaining('API key'), type: 'invalid_request_error', param: null, code: 'missing_api_key' } });
  });

  it('raises BadRequestError naming the bad line of a training file', async () => {
    const rows = smallSms().map((r) => JSON.stringify(r));
    rows[2] = JSON.stringify({ prompt: 'no completion here' });
    const badId = await upload(t.client, rows.join('\n') + '\n', 'bad.jsonl');
    const error = await t.client.fineTuning.jobs.create({ model: 'babbage-002', training_file: badId }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain('line 3: expected {"prompt": string, "completion": string} or {"messages": [...]}');
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('training_file');

    const notJson = await upload(t.client, `${rows[0]}\n{"prompt": "a",\n`, 'broken.jsonl');
    const e2 = await t.client.fineTuning.jobs.create({ model: 'babbage-002', training_file: notJson }).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(OpenAI.BadRequestError);
    expect((e2 as Error).message).toMatch(/line 2: not valid JSON/);
  });

  it('raises BadRequestError for bad parameters, with a did-you-mean for the model', async () => {
    const e1 = await t.client.fineTuning.jobs.create({ model: 'babage-002', training_file: trainId }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(OpenAI.BadRequestError);
    expect((e1 as Error).message).toContain('did you mean "babbage-002"?');
    const e2 = await t.client.fineTuning.jobs
      .create({ model: 'babbage-002', training_file: trainId, method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 0 } } } })
      .catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(OpenAI.BadRequestError);
    expect((e2 as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('method.supervised.hyperparameters.n_epochs');
    const e3 = await t.client.fineTuning.jobs.create({ model: 'babbage-002', training_file: 'file-missing' }).catch((e: unknown) => e);
    expect(e3).toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('fails a job whose data is not classification, saying why', async () => {
    const rows = smallSms().map((r, i) => ({ prompt: r.prompt, completion: ` answer number ${i}\n` }));
    const id = await upload(t.client, toJsonl(rows), 'generation.jsonl');
    const created = await t.client.fineTuning.jobs.create({ model: 'babbage-002', training_file: id });
    const job = await waitForJob(t.client, created.id);
    expect(job.status).toBe('failed');
    expect(job.error!.code).toBe('invalid_training_file');
    expect(job.error!.message).toContain('the local trainer supports classification only');
    expect(job.error!.message).toContain('30 distinct completions for 30 examples');
  });

  it('answers 413 to an upload over the limit', async () => {
    const big = Buffer.alloc(200_000, 'a');
    const error = await t.client.files.create({ file: await toFile(big, 'big.jsonl'), purpose: 'fine-tune' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
    // Without a declared length (chunked), the limit is enforced while reading, and the answer is still a 413.
    const chunked = await fetch(`${t.server.url}/files`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test-local-key', 'content-type': 'multipart/form-data; boundary=x' },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 20; i++) controller.enqueue(new Uint8Array(10_000));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    // The server still answers afterwards.
    expect((await t.client.files.retrieve(trainId)).id).toBe(trainId);
  });

  it('fails a job at the requested step (testing aid) and refuses to cancel a finished job with 409', async () => {
    const created = await t.client.fineTuning.jobs.create({ model: 'babbage-002', training_file: trainId, metadata: { tunefile_fail_at_step: '3' } });
    const job = await waitForJob(t.client, created.id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ code: 'injected_failure', message: expect.stringContaining('step 3') });
    const error = await t.client.fineTuning.jobs.cancel(created.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.ConflictError);
  });

  it('rejects unknown routes and base-model completions clearly', async () => {
    const raw = await fetch(`${t.server.url}/nothing/here`, { headers: { authorization: 'Bearer sk-test-local-key' } });
    expect(raw.status).toBe(404);
    expect(((await raw.json()) as { error: { message: string } }).error.message).toBe('Invalid URL (GET /v1/nothing/here)');
    const post = (body: string) => fetch(`${t.server.url}/completions`, { method: 'POST', headers: { authorization: 'Bearer sk-test-local-key', 'content-type': 'application/json' }, body });
    const notObject = await post('[1, 2]');
    expect(notObject.status).toBe(400);
    expect(await notObject.json()).toMatchObject({ error: { message: 'the request body must be a JSON object', type: 'invalid_request_error' } });
    expect((await post('{"model": ')).status).toBe(400);
    const error = await t.client.completions.create({ model: 'babbage-002', prompt: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain('only with fine-tuned models');
  });
});
