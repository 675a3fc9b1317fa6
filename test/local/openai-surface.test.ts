// What the official SDK expects of OpenAI beyond the calls tunefile makes: request ids, streaming, models.delete,
// models that are listed can be run, file objects without null-typed fields, and OpenAI's error types and statuses.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallSms, startTestServer, toChat, toJsonl, upload, waitForJob, type TestServer } from './helpers.ts';

describe('the local server as the OpenAI SDK sees it', () => {
  let t: TestServer;
  let fileId: string;
  let model: string;
  let chatModel: string;
  const auth = { authorization: 'Bearer sk-test-local-key' };

  beforeAll(async () => {
    t = await startTestServer();
    fileId = await upload(t.client, toJsonl(smallSms()), 'small.jsonl');
    const chatFile = await upload(t.client, toJsonl(toChat(smallSms())), 'chat.jsonl');
    const train = (training_file: string, model: string) => t.client.fineTuning.jobs.create({ model, training_file, seed: 2, method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 2 } } } });
    const [a, b] = await Promise.all([train(fileId, 'babbage-002'), train(chatFile, 'gpt-4o-mini-2024-07-18')]);
    model = (await waitForJob(t.client, a.id)).fine_tuned_model!;
    chatModel = (await waitForJob(t.client, b.id)).fine_tuned_model!;
  });
  afterAll(async () => {
    await t.close();
  });

  it('gives every answer, errors included, a request id the SDK exposes', async () => {
    const { data, request_id } = await t.client.files.list().withResponse();
    expect(data.data.length).toBeGreaterThan(0);
    expect(request_id).toMatch(/^req_[A-Za-z0-9]{24}$/);
    const missing = (await t.client.files.retrieve('file-nope').catch((e: unknown) => e)) as InstanceType<typeof OpenAI.NotFoundError>;
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect(missing.requestID).toMatch(/^req_/);
    expect(missing.requestID).not.toBe(request_id);
  });

  it('leaves out of file objects the fields it has no value of type for', async () => {
    const raw = (await (await fetch(`${t.server.url}/files/${fileId}`, { headers: auth })).json()) as Record<string, unknown>;
    expect(Object.keys(raw).sort()).toEqual(['bytes', 'created_at', 'filename', 'id', 'object', 'purpose', 'status']);
    expect((await t.client.files.retrieve(fileId)).expires_at).toBeUndefined();
  });

  it('lists only models it can run, and deletes a fine-tuned model', async () => {
    const listed = (await t.client.models.list()).data.map((m) => m.id);
    expect(listed.sort()).toEqual([model, chatModel].sort());
    for (const id of listed) expect((await t.client.models.retrieve(id)).id).toBe(id);
    const base = await t.client.models.retrieve('babbage-002').catch((e: unknown) => e);
    expect(base).toBeInstanceOf(OpenAI.NotFoundError);
    expect((base as Error).message).toContain('base model');

    // A model of its own, so the other tests keep theirs.
    const job = await waitForJob(t.client, (await t.client.fineTuning.jobs.create({ model: 'babbage-002', training_file: fileId, seed: 9 })).id);
    const doomed = job.fine_tuned_model!;
    await t.client.completions.create({ model: doomed, prompt: 'hello', max_tokens: 1 });
    expect(await t.client.models.delete(doomed)).toEqual({ id: doomed, object: 'model', deleted: true });
    expect((await t.client.models.list()).data.map((m) => m.id)).not.toContain(doomed);
    await expect(t.client.models.retrieve(doomed)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(t.client.completions.create({ model: doomed, prompt: 'hello', max_tokens: 1 })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(t.client.models.delete(doomed)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    // The job is still there and still names the model it made.
    expect((await t.client.fineTuning.jobs.retrieve(job.id)).fine_tuned_model).toBe(doomed);
  });

  it('streams completions: the chunks add up to the unstreamed answer, usage last when asked for', async () => {
    const prompt = smallSms()[1]!.prompt;
    const whole = await t.client.completions.create({ model, prompt, max_tokens: 3, logprobs: 1 });
    const chunks = [];
    for await (const chunk of await t.client.completions.create({ model, prompt, max_tokens: 3, logprobs: 1, stream: true, stream_options: { include_usage: true } })) chunks.push(chunk);
    const text = chunks.flatMap((c) => c.choices.map((ch) => ch.text)).join('');
    expect(text).toBe(whole.choices[0]!.text);
    expect(chunks.flatMap((c) => c.choices.flatMap((ch) => ch.logprobs?.tokens ?? []))).toEqual(whole.choices[0]!.logprobs!.tokens);
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe(whole.choices[0]!.finish_reason);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: whole.usage });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });

  it('streams chat completions: role first, content deltas, the finish reason, then usage', async () => {
    const messages = toChat(smallSms()).at(0)!.messages.filter((m) => m.role !== 'assistant') as OpenAI.ChatCompletionMessageParam[];
    const whole = await t.client.chat.completions.create({ model: chatModel, messages, max_tokens: 4, logprobs: true, top_logprobs: 2, n: 2 });
    const stream = await t.client.chat.completions.create({ model: chatModel, messages, max_tokens: 4, logprobs: true, top_logprobs: 2, n: 2, stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    for (const index of [0, 1]) {
      const mine = chunks.flatMap((c) => c.choices.filter((ch) => ch.index === index));
      expect(mine[0]!.delta.role).toBe('assistant');
      expect(mine.map((ch) => ch.delta.content ?? '').join('')).toBe(whole.choices[index]!.message.content);
      expect(mine.flatMap((ch) => ch.logprobs?.content ?? [])).toEqual(whole.choices[index]!.logprobs!.content);
      expect(mine.at(-1)!.finish_reason).toBe(whole.choices[index]!.finish_reason);
    }
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: whole.usage });

    // The SDK's own stream helper assembles the same message.
    const final = await t.client.chat.completions.stream({ model: chatModel, messages, max_tokens: 4 }).finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe(whole.choices[0]!.message.content);
  });

  it("answers with OpenAI's error types and statuses", async () => {
    const raw = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(`${t.server.url}${path}`, init);
      return { status: res.status, body: (await res.json()) as { error: { type: string; code: string | null } } };
    };
    const unauthorized = await raw('/files');
    expect(unauthorized).toMatchObject({ status: 401, body: { error: { type: 'invalid_request_error', code: 'missing_api_key' } } });
    const notFound = await raw('/files/file-nope', { headers: auth });
    expect(notFound).toMatchObject({ status: 404, body: { error: { type: 'invalid_request_error' } } });
    const notObject = await raw('/chat/completions', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '"text"' });
    expect(notObject).toMatchObject({ status: 400, body: { error: { type: 'invalid_request_error' } } });
    const sdkError = await t.client.completions.create(JSON.parse('[]') as OpenAI.CompletionCreateParamsNonStreaming).catch((e: unknown) => e);
    expect(sdkError).toBeInstanceOf(OpenAI.BadRequestError);
    const finished = (await t.client.fineTuning.jobs.list()).data.find((j) => j.status === 'succeeded')!;
    const conflict = await raw(`/fine_tuning/jobs/${finished.id}/cancel`, { method: 'POST', headers: auth });
    expect(conflict).toMatchObject({ status: 409, body: { error: { type: 'invalid_request_error', code: 'job_already_finished' } } });
  });
});
