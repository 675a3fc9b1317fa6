// Chat-format data: train on messages, answer through chat.completions with logprobs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSms, splitStratified, startTestServer, toChat, toJsonl, upload, waitForJob, type TestServer } from './helpers.ts';

describe('SMS spam as chat messages through chat.completions', () => {
  let t: TestServer;
  const { train, valid } = splitStratified(loadSms());

  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('trains on system+user messages and answers with logprobs over the classes', async () => {
    const { client } = t;
    const trainId = await upload(client, toJsonl(toChat(train)), 'chat_train.jsonl');
    const validId = await upload(client, toJsonl(toChat(valid)), 'chat_valid.jsonl');
    // The deprecated top-level hyperparameters are honoured too.
    const created = await client.fineTuning.jobs.create({ model: 'gpt-4o-mini-2024-07-18', training_file: trainId, validation_file: validId, seed: 7, hyperparameters: { n_epochs: 2, batch_size: 16 } });
    const job = await waitForJob(client, created.id);
    expect(job.status).toBe('succeeded');
    expect(job.hyperparameters).toMatchObject({ n_epochs: 2, batch_size: 16 });
    expect(job.fine_tuned_model).toBe(`ft:gpt-4o-mini-2024-07-18:local::${created.id.replace('ftjob-', '')}`);

    const sample = valid.filter((_, i) => i % 4 === 0);
    let correct = 0;
    for (const row of sample) {
      const [, user] = toChat([row])[0]!.messages;
      const out = await client.chat.completions.create({
        model: job.fine_tuned_model!,
        messages: [{ role: 'system', content: 'Classify the SMS as ham or spam.' }, { role: 'user', content: user!.content }],
        max_tokens: 1,
        temperature: 0,
        logprobs: true,
        top_logprobs: 2,
      });
      const choice = out.choices[0]!;
      if (choice.message.content === row.completion.trim()) correct++;
      const first = choice.logprobs!.content![0]!;
      expect(first.token).toBe(choice.message.content);
      expect(first.top_logprobs.map((x) => x.token).sort()).toEqual(['ham', 'spam']);
      const [a, b] = first.top_logprobs;
      expect(a!.logprob).toBeGreaterThanOrEqual(b!.logprob);
      expect(Math.exp(a!.logprob) + Math.exp(b!.logprob)).toBeCloseTo(1, 6);
      expect(first.logprob).toBe(a!.logprob);
      expect(out.usage!.completion_tokens).toBe(1);
      expect(out.usage!.prompt_tokens).toBeGreaterThan(10);
    }
    const accuracy = correct / sample.length;
    console.log(`chat SMS spam accuracy: ${accuracy.toFixed(4)} on ${sample.length} examples`);
    expect(accuracy).toBeGreaterThanOrEqual(0.95);

    // Without logprobs and max_tokens, the whole label comes back.
    const plain = await client.chat.completions.create({ model: job.fine_tuned_model!, messages: [{ role: 'user', content: 'WINNER!! Claim your free prize now, call 09061701461' }] });
    expect(['ham', 'spam']).toContain(plain.choices[0]!.message.content);
    expect(plain.choices[0]!.logprobs).toBeNull();
    expect(plain.choices[0]!.finish_reason).toBe('stop');
  });
});
