// The official together-ai SDK against `tunefile serve`'s Together API (/together/v1): it uploads a file (its two-step
// upload with the local format check), creates a fine-tune, follows its events to completion, and gets a chat
// completion from the result, which has learned the labels. Then the rest of Together's document: the price estimate,
// metrics, deleting a job, the fine-tunable models and their limits, and streamed chat completions. Every exchange is
// validated against the document, and every operation it declares is driven or listed in NOT_SERVED.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { FineTuningEstimatePriceResponse } from 'together-ai/resources/fine-tuning';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOGETHER_BASE_MODELS } from '../../src/local/model-names.ts';
import { Contract, recordingFetch, toExchange, type AllowList, type Exchange } from '../helpers/openapi.ts';
import { holdAt } from '../helpers/hold.ts';
import { tempDir } from '../helpers/temp.ts';
import { loadSms, smallSms, startTestServer, toChat, toJsonl, type TestServer } from './helpers.ts';

const ALLOW = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'contract', 'allow-list.json'), 'utf8')) as { together: AllowList };

/** Operations of Together's document the local server does not serve (it answers them 404), with the reason. */
const NOT_SERVED: Record<string, string> = {
  'POST /models': 'uploading a custom model or adapter fetches it from Hugging Face or S3, which needs the network',
};

/** Together's published serverless supervised fine-tuning rates per 1M tokens, as the server prices them. */
const RATE = { small: { lora: 0.48, full: 0.54 }, medium: { lora: 1.5, full: 1.65 }, large: { lora: 2.9, full: 3.2 } };

/** The SDK's two upload steps (POST /files answered 302, then PUT to the upload URL), which the document does not describe. */
const undocumented = (x: Exchange) => (x.method === 'POST' && x.path === '/files' && x.status === 302) || (x.method === 'PUT' && x.path.startsWith('/uploads/'));

/**
 * An exchange as the document types it: Together declares each event of a stream as `{data: <chunk>}`
 * (ChatCompletionEvent), where the recorded exchange holds the parsed chunks themselves.
 */
const asDocumented = (x: Exchange): Exchange => (x.contentType.startsWith('text/event-stream') ? { ...x, body: (x.body as unknown[]).map((data) => ({ data })) } : x);

describe('the together-ai SDK against the local server', () => {
  const exchanges: Exchange[] = [];
  let t: TestServer;
  let client: import('together-ai').Together;
  const nodeFetch = globalThis.fetch;
  // Only the long jobs below get this far; they hold there, running, until released.
  const hold = holdAt(400);
  /** The training file and the finished job of the first test, which the later ones use. */
  let trained: { file: string; job: { id: string; model_output_name: string; token_count: number } };

  beforeAll(async () => {
    t = await startTestServer({ hold: { step: 400, path: hold.path } });
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
    hold.release();
    delete process.env.TOGETHER_API_BASE_URL;
    globalThis.fetch = nodeFetch;
    await t.close();
  });

  /** Uploads JSONL text through the documented multipart POST /files/upload; its id. */
  const uploadMultipart = async (text: string, name: string): Promise<string> => {
    const form = new FormData();
    form.set('file', new Blob([text]), name);
    form.set('file_name', name);
    form.set('purpose', 'fine-tune');
    return (await client.post<{ id: string }>('/files/upload', { body: form })).id;
  };

  /** Waits for a job to finish, as a user would: retrieving it. */
  const finished = async (id: string) => {
    for (;;) {
      const job = await client.fineTuning.retrieve(id);
      if (['completed', 'error', 'cancelled'].includes(String(job.status))) return job;
    }
  };

  it('uploads, fine-tunes, follows the events to completion and answers chat completions with the labels', async () => {
    const path = join(tempDir('tunefile-together-'), 'sms.jsonl');
    writeFileSync(path, toJsonl(toChat(smallSms(40))));
    const file = await client.files.upload(path, 'fine-tune');
    expect(file).toMatchObject({ object: 'file', filename: 'sms.jsonl', purpose: 'fine-tune', FileType: 'jsonl', Processed: true });
    expect((await client.files.list()).data.map((f) => f.id)).toContain(file.id);
    expect(await (await client.files.content(file.id)).text()).toBe(readFileSync(path, 'utf8'));

    const created = await client.fineTuning.create({ model: 'Qwen/Qwen3-8B', training_file: file.id, n_epochs: 3, batch_size: 8, learning_rate: 0.00003, suffix: 'sms', random_seed: 4 });
    // Together's absolute rate, in units of its default (0.00001), is the trainer's multiplier, and reads back as sent.
    expect(created).toMatchObject({ model: 'Qwen/Qwen3-8B', n_epochs: 3, batch_size: 8, learning_rate: 0.00003, suffix: 'sms', training_file: file.id });
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

    // The documented multipart POST /files/upload, beside the SDK's two-step upload.
    const multipart = await uploadMultipart(toJsonl(toChat(smallSms(5))), 'small.jsonl');
    expect((await client.files.retrieve(multipart)).filename).toBe('small.jsonl');
    // An OpenAI base model is not one Together fine-tunes: a 400 in Together's error shape, nothing created.
    const jobsBefore = (await client.fineTuning.list()).data.length;
    await expect(client.fineTuning.create({ model: 'babbage-002', training_file: file.id })).rejects.toMatchObject({ status: 400 });
    expect((await client.fineTuning.list()).data.length).toBe(jobsBefore);
    const long = await client.fineTuning.create({ model: 'meta-llama/Meta-Llama-3.1-8B-Instruct-Reference', training_file: file.id, n_epochs: 50 });
    expect((await client.fineTuning.cancel(long.id)).status).toBe('cancelled');
    expect((await client.fineTuning.retrieve(long.id)).status).toBe('cancelled');
    expect(await client.files.delete(multipart)).toEqual({ id: multipart, deleted: true });
    expect((await client.files.list()).data.map((f) => f.id)).not.toContain(multipart);
    expect(exchanges.filter(undocumented).map((x) => `${x.method} ${x.status}`)).toEqual(['POST 302', 'PUT 200']);
    // The upload URL needs no key because it is single-use: a second PUT to it, or to a made-up one, is a 404 and
    // stores nothing.
    const uploadPath = exchanges.find((x) => x.method === 'PUT')!.path;
    const filesBefore = (await client.files.list()).data.length;
    for (const path of [uploadPath, '/uploads/upload-madeup']) {
      expect((await nodeFetch(`${t.server.togetherUrl}${path}`, { method: 'PUT', body: 'x' })).status).toBe(404);
    }
    expect((await client.files.list()).data.length).toBe(filesBefore);
    trained = { file: file.id, job: { id: job.id, model_output_name: job.model_output_name!, token_count: job.token_count! } };
  });

  it('estimates the price as the trainer bills: the file\'s tokens times n_epochs (plus validation times n_evals), at the model size\'s rate', async () => {
    // The document's answer; the SDK's type adds `estimation_available`, which the document does not have.
    type Estimate = Omit<FineTuningEstimatePriceResponse.AvailableEstimate, 'estimation_available'>;
    type Body = Parameters<typeof client.fineTuning.estimatePrice>[0];
    const estimateOf = async (body: Body) => (await client.fineTuning.estimatePrice(body)) as Estimate;
    const estimate = (body: Omit<Body, 'training_file'>) => estimateOf({ training_file: trained.file, ...body });
    // Three epochs are the tokens the finished three-epoch job trained on the same file.
    const three = await estimate({ model: 'Qwen/Qwen3-8B', n_epochs: 3 });
    expect(three).toEqual({ estimated_total_price: expect.any(Number), allowed_to_proceed: true, user_limit: 1000, estimated_train_token_count: trained.job.token_count, estimated_eval_token_count: 0 });
    const perEpoch = trained.job.token_count / 3;
    expect(Number.isInteger(perEpoch)).toBe(true);
    expect(three.estimated_total_price).toBeCloseTo((3 * perEpoch * RATE.small.lora) / 1e6, 12);
    // Proportional to n_epochs; one epoch by default.
    const six = await estimate({ model: 'Qwen/Qwen3-8B', n_epochs: 6 });
    expect(six.estimated_train_token_count).toBe(6 * perEpoch);
    expect(six.estimated_total_price).toBeCloseTo(2 * three.estimated_total_price!, 12);
    expect((await estimate({ model: 'Qwen/Qwen3-8B' })).estimated_train_token_count).toBe(perEpoch);
    // The rate follows the model's size and the training type (LoRA unless Full is asked for).
    const price = async (model: string, type?: 'Full' | 'Lora') => (await estimate({ model, ...(type ? { training_type: type === 'Full' ? { type } : { type, lora_r: 8, lora_alpha: 16 } } : {}) })).estimated_total_price;
    expect(await price('Qwen/Qwen3-8B', 'Full')).toBeCloseTo((perEpoch * RATE.small.full) / 1e6, 12);
    expect(await price('Qwen/Qwen3-32B', 'Lora')).toBeCloseTo((perEpoch * RATE.medium.lora) / 1e6, 12);
    expect(await price('meta-llama/Llama-3.3-70B-Instruct-Reference')).toBeCloseTo((perEpoch * RATE.large.lora) / 1e6, 12);
    expect(await price('meta-llama/Llama-3.3-70B-Instruct-Reference', 'Full')).toBeCloseTo((perEpoch * RATE.large.full) / 1e6, 12);
    // Evaluation tokens: the validation file's, n_evals times, priced as training tokens are.
    const validation = await uploadMultipart(toJsonl(toChat(smallSms(6))), 'valid.jsonl');
    const validationTokens = (await estimateOf({ training_file: validation })).estimated_train_token_count!;
    const withEvals = await estimate({ model: 'Qwen/Qwen3-8B', validation_file: validation, n_evals: 4 });
    expect(withEvals).toMatchObject({ estimated_train_token_count: perEpoch, estimated_eval_token_count: 4 * validationTokens });
    expect(withEvals.estimated_total_price).toBeCloseTo(((perEpoch + 4 * validationTokens) * RATE.small.lora) / 1e6, 12);
    expect((await estimate({ validation_file: validation })).estimated_eval_token_count).toBe(0);
    // An unknown file is a 404, a model Together does not fine-tune a 400.
    await expect(client.fineTuning.estimatePrice({ training_file: 'file-missing' })).rejects.toMatchObject({ status: 404 });
    await expect(estimate({ validation_file: 'file-missing', n_evals: 1 })).rejects.toMatchObject({ status: 404 });
    await expect(estimate({ model: 'gpt-4o-mini' })).rejects.toMatchObject({ status: 400 });
  });

  it('lists a job\'s metrics step by step, filtered by step and time, from the query (the SDK) or a JSON body (the document)', async () => {
    const { metrics } = await client.fineTuning.listMetrics(trained.job.id);
    // 80 rows in batches of 8 for 3 epochs: 30 steps, in order, with the epoch reached and no validation loss.
    expect(metrics!.map((m) => m['train/global_step'])).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(metrics!.map((m) => m['train/epoch'])).toEqual(Array.from({ length: 30 }, (_, i) => (i + 1) / 10));
    for (const m of metrics!) expect(Object.keys(m).sort()).toEqual(['train/epoch', 'train/global_step', 'train/learning_rate', 'train/loss', 'train/mean_token_accuracy']);
    const steps = async (query: Parameters<typeof client.fineTuning.listMetrics>[1]) => (await client.fineTuning.listMetrics(trained.job.id, query)).metrics!.map((m) => m['train/global_step']);
    expect(await steps({ global_step_from: 4, global_step_to: 6 })).toEqual([4, 5, 6]);
    expect(await steps({ global_step_from: 29 })).toEqual([29, 30]);
    expect(await steps({ logged_at_to: '2000-01-01T00:00:00Z' })).toEqual([]);
    expect((await steps({ logged_at_from: '2000-01-01T00:00:00Z' })).length).toBe(30);
    await expect(client.fineTuning.listMetrics('ftjob-missing')).rejects.toMatchObject({ status: 404 });
    // The document sends the filter as a JSON body on the GET, which fetch cannot send: node:http does.
    const sent = JSON.stringify({ global_step_from: 2, global_step_to: 3 });
    const answer = await new Promise<{ status: number; contentType: string; text: string }>((ok, fail) => {
      const headers = { authorization: 'Bearer sk-test-local-key', 'content-type': 'application/json', 'content-length': Buffer.byteLength(sent) };
      const req = request(`${t.server.togetherUrl}/fine-tunes/${trained.job.id}/metrics`, { method: 'GET', headers }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => ok({ status: res.statusCode!, contentType: String(res.headers['content-type']), text }));
      });
      req.on('error', fail).end(sent);
    });
    const exchange = toExchange({ method: 'GET', path: `/fine-tunes/${trained.job.id}/metrics`, ...answer, requestContentType: 'application/json', requestText: sent });
    exchanges.push(exchange);
    expect((exchange.body as { metrics: Array<Record<string, number>> }).metrics).toEqual(metrics!.slice(1, 3));
  });

  it('deletes a finished job with its model and files on disk; a running one must be cancelled first', async () => {
    const valid = await uploadMultipart(toJsonl(toChat(smallSms(6))), 'valid.jsonl');
    const created = await client.fineTuning.create({ model: 'Qwen/Qwen3-8B', training_file: trained.file, validation_file: valid, n_epochs: 1, batch_size: 8 });
    const job = await finished(created.id);
    expect(job.status).toBe('completed');
    // With a validation file every step has its validation loss.
    const { metrics } = await client.fineTuning.listMetrics(job.id);
    expect(metrics!.length).toBe(10);
    for (const m of metrics!) expect(m['eval/loss']).toEqual(expect.any(Number));
    expect((await client.models.list()).map((m) => m.id)).toContain(job.model_output_name);

    expect(await client.fineTuning.delete(job.id)).toEqual({ message: `Fine-tune job ${job.id} deleted` });
    await expect(client.fineTuning.retrieve(job.id)).rejects.toMatchObject({ status: 404 });
    await expect(client.fineTuning.listEvents(job.id)).rejects.toMatchObject({ status: 404 });
    await expect(client.fineTuning.delete(job.id)).rejects.toMatchObject({ status: 404 });
    expect((await client.fineTuning.list()).data.map((j) => j.id)).not.toContain(job.id);
    expect((await client.models.list()).map((m) => m.id)).not.toContain(job.model_output_name);
    await expect(client.chat.completions.create({ model: job.model_output_name!, messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 404 });
    expect(existsSync(join(t.dataDir, 'jobs', job.id))).toBe(false);
    // The other jobs are untouched.
    expect((await client.fineTuning.retrieve(trained.job.id)).status).toBe('completed');

    // A running job (held before step 400 of 4000) is refused, then deleted once cancelled.
    rmSync(`${hold.path}.held`, { force: true });
    const long = await client.fineTuning.create({ model: 'Qwen/Qwen3-8B', training_file: trained.file, n_epochs: 50, batch_size: 1 });
    await expect(client.fineTuning.delete(long.id)).rejects.toMatchObject({ status: 400 });
    expect((await hold.held()).job_id).toBe(long.id);
    expect((await client.fineTuning.retrieve(long.id)).status).toBe('running');
    await expect(client.fineTuning.delete(long.id)).rejects.toMatchObject({ status: 400, error: { error: { message: expect.stringContaining('cancel it first') } } });
    expect((await client.fineTuning.retrieve(long.id)).status).toBe('running');
    await client.fineTuning.cancel(long.id);
    expect(await client.fineTuning.delete(long.id)).toEqual({ message: `Fine-tune job ${long.id} deleted` });
    expect((await client.fineTuning.list()).data.map((j) => j.id)).not.toContain(long.id);
  });

  it('lists the fine-tunable models and their limits, which create enforces', async () => {
    expect(await client.get('/fine-tunes/models/supported')).toEqual({ models: [...TOGETHER_BASE_MODELS] });
    const limits = await client.fineTuning.modelLimits({ model_name: 'Qwen/Qwen3-8B' });
    expect(limits).toMatchObject({ model_name: 'Qwen/Qwen3-8B', max_num_epochs: 50, min_learning_rate: 0, max_learning_rate: 0.0001, lora_training: { min_batch_size: 1, max_batch_size: 256 } });
    await expect(client.fineTuning.create({ model: 'Qwen/Qwen3-8B', training_file: trained.file, n_epochs: limits.max_num_epochs + 1 })).rejects.toMatchObject({ status: 400 });
    await expect(client.fineTuning.create({ model: 'Qwen/Qwen3-8B', training_file: trained.file, batch_size: limits.lora_training!.max_batch_size + 1 })).rejects.toMatchObject({ status: 400 });
    await expect(client.fineTuning.modelLimits({ model_name: 'gpt-4o-mini' })).rejects.toMatchObject({ status: 404, error: { message: expect.stringContaining('gpt-4o-mini') } });
    await expect(client.get('/fine-tunes/models/limits')).rejects.toMatchObject({ status: 400 });
  });

  it('streams chat completions whose chunks add up to the answer it gives unstreamed, logprobs and usage included', async () => {
    const model = trained.job.model_output_name;
    for (const chat of toChat(loadSms().slice(600, 606))) {
      const request = { model, messages: chat.messages.slice(0, 2) as never, logprobs: 2, n: 2 };
      const whole = await client.chat.completions.create(request);
      const chunks = [];
      for await (const chunk of await client.chat.completions.create({ ...request, stream: true })) chunks.push(chunk);
      for (const index of [0, 1]) {
        const mine = chunks.map((c) => c.choices[0]!).filter((c) => c.index === index);
        expect(mine.map((c) => c.delta.content).join('')).toBe(whole.choices[index]!.message!.content);
        expect(mine.filter((c) => c.finish_reason !== null).map((c) => c.finish_reason)).toEqual([whole.choices[index]!.finish_reason]);
        const tokens = mine.filter((c) => c.finish_reason === null);
        expect(tokens.map((c) => c.logprobs)).toEqual(whole.choices[index]!.logprobs!.token_logprobs);
        for (const c of tokens) expect(Object.keys(c.top_logprobs!).length).toBeLessThanOrEqual(2);
      }
      expect(chunks.map((c) => c.usage ?? null)).toEqual([...chunks.slice(1).map(() => null), whole.usage]);
    }
    // The stream ends with the [DONE] sentinel.
    const raw = await nodeFetch(`${t.server.togetherUrl}/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer sk-test-local-key', 'content-type': 'application/json' }, body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Free entry!' }], stream: true }) });
    expect((await raw.text()).endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('conforms to Together\'s document in every exchange, and drives every operation it declares but the ones not served', async () => {
    // Not served: the local server answers 404 in Together's error shape.
    await expect(client.models.upload({ model_name: 'mine', model_source: 'unsloth/Qwen2.5-72B-Instruct' })).rejects.toMatchObject({ status: 404 });
    const contract = new Contract('together', ALLOW.together);
    const documented = exchanges.filter((x) => !undocumented(x));
    expect([...new Set(documented.flatMap((x) => contract.problems(asDocumented(x)).map((p) => p.replace(/(file|ftjob)-[A-Za-z0-9]+/g, '$1-ID'))))]).toEqual([]);
    // Served means answered with a success.
    const served = new Set(documented.filter((x) => x.status < 300).map((x) => `${x.method} ${contract.operation(x.method, x.path)!.template}`));
    expect(contract.operations().filter((op) => !served.has(op) && !(op in NOT_SERVED))).toEqual([]);
    for (const op of Object.keys(NOT_SERVED)) expect(served.has(op), `${op} is served: take it off NOT_SERVED`).toBe(false);
    expect(documented.some((x) => x.method === 'POST' && x.path === '/models' && x.status === 404)).toBe(true);
  });
});
