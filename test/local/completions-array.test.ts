// POST /v1/completions with an array of prompts, through the official SDK: one choice per prompt per n, numbered
// as OpenAI numbers them (prompt index * n + choice), each the same as asking for that prompt alone.
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSms, smallSms, startTestServer, toJsonl, upload, waitForJob, type TestServer } from './helpers.ts';

describe('completions with an array of prompts', () => {
  let t: TestServer;
  let model: string;
  const trained = smallSms(40);
  const taught = new Set(trained.map((r) => r.prompt));
  // Unseen messages, a repeated one, an empty prompt and one with characters tiktoken splits oddly.
  const fresh = loadSms().filter((r) => !taught.has(r.prompt)).slice(0, 300).map((r) => r.prompt);
  const prompts = [...fresh, fresh[0]!, '', 'Free   entry!!  \t\n\n  call 0800 <|endoftext|> now 🎉\n\n###\n\n'];

  beforeAll(async () => {
    t = await startTestServer();
    const file = await upload(t.client, toJsonl(trained), 'array_train.jsonl');
    const job = await waitForJob(t.client, (await t.client.fineTuning.jobs.create({ model: 'babbage-002', training_file: file, seed: 3 })).id);
    expect(job.status).toBe('succeeded');
    model = job.fine_tuned_model!;
  });
  afterAll(async () => {
    await t.close();
  });

  const ask = (prompt: string | string[], extra: Partial<OpenAI.CompletionCreateParamsNonStreaming> = {}) =>
    t.client.completions.create({ model, prompt, max_tokens: 5, temperature: 0, logprobs: 3, stop: ['\n'], ...extra });

  it('answers every prompt of the array as it answers that prompt alone, n choices each, index = prompt * n + choice', async () => {
    const n = 2;
    const batch = await ask(prompts, { n });
    expect(batch.object).toBe('text_completion');
    expect(batch.model).toBe(model);
    expect(batch.choices.map((c) => c.index)).toEqual(Array.from({ length: prompts.length * n }, (_, i) => i));
    const alone = await Promise.all(prompts.map((p) => ask(p, { n })));
    prompts.forEach((_, i) => {
      for (let j = 0; j < n; j++) expect(batch.choices[i * n + j]).toEqual({ ...alone[i]!.choices[j]!, index: i * n + j });
    });
    // Both classes occur, so the comparison covers more than one answer.
    expect(new Set(batch.choices.map((c) => c.text))).toEqual(new Set([' ham', ' spam']));
    const sum = (key: 'prompt_tokens' | 'completion_tokens') => alone.reduce((s, r) => s + r.usage![key], 0);
    expect(batch.usage).toEqual({ prompt_tokens: sum('prompt_tokens'), completion_tokens: sum('completion_tokens'), total_tokens: sum('prompt_tokens') + sum('completion_tokens') });
    expect(batch.usage!.completion_tokens).toBe(prompts.length * n);
  });

  it('gives the same answers without logprobs, past the label with no stop, and for an array of one prompt', async () => {
    const plain = await ask(prompts.slice(0, 40), { logprobs: null, stop: null, max_tokens: 16 });
    expect(plain.choices).toHaveLength(40);
    for (const c of plain.choices) {
      expect(c.logprobs).toBeNull();
      expect([' ham\n', ' spam\n']).toContain(c.text);
      expect(c.finish_reason).toBe('stop');
    }
    const one = await ask([prompts[7]!]);
    const string = await ask(prompts[7]!);
    expect(one.choices).toEqual(string.choices);
    expect(one.usage).toEqual(string.usage);
  });

  it('refuses an empty array, a non-string element and token arrays with 400 naming prompt', async () => {
    const bodies: unknown[] = [[], ['fine', 3], [101, 102], [[101, 102]]];
    for (const prompt of bodies) {
      const error = await ask(prompt as string[]).catch((e: unknown) => e);
      expect(error, JSON.stringify(prompt)).toMatchObject({ status: 400, param: 'prompt' });
      expect((error as Error).message).toContain('prompt must be a string or a non-empty array of strings');
    }
  });
});
