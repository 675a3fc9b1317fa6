// The seed article's flow through the official SDK only: upload, train, events, checkpoints, results, evaluate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSms, splitStratified, startTestServer, toJsonl, upload, waitForJob, type TestServer } from './helpers.ts';

describe('SMS spam, prompt/completion, end to end through the SDK', () => {
  let t: TestServer;
  const { train, valid } = splitStratified(loadSms());

  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('trains a classifier with >= 0.95 validation accuracy and reports like OpenAI', async () => {
    const { client } = t;
    const trainId = await upload(client, toJsonl(train), 'sms_train.jsonl');
    const validId = await upload(client, toJsonl(valid), 'sms_valid.jsonl');
    const created = await client.fineTuning.jobs.create({
      model: 'babbage-002',
      training_file: trainId,
      validation_file: validId,
      suffix: 'spam',
      seed: 42,
      method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 2 } } },
    });
    expect(created.status).toBe('validating_files');
    const job = await waitForJob(client, created.id);
    expect(job.status).toBe('succeeded');
    expect(job.fine_tuned_model).toBe(`ft:babbage-002:local:spam:${created.id.replace('ftjob-', '')}`);
    expect(job.hyperparameters.n_epochs).toBe(2);
    expect(job.hyperparameters.batch_size).toBe(Math.round(train.length * 0.002));
    expect(job.trained_tokens).toBeGreaterThan(train.length * 2 * 5);

    const events = await client.fineTuning.jobs.listEvents(created.id, { limit: 5 });
    expect(events.data).toHaveLength(5);
    expect(events.data[0]!.message).toBe('The job has successfully completed');
    const allEvents = [];
    for await (const e of client.fineTuning.jobs.listEvents(created.id, { limit: 100 })) allEvents.push(e);
    const metrics = allEvents.filter((e) => e.type === 'metrics');
    const stepsPerEpoch = Math.ceil(train.length / Number(job.hyperparameters.batch_size));
    expect(metrics).toHaveLength(2 * stepsPerEpoch);
    expect(metrics.at(-1)!.message).toMatch(/^Step 1\/\d+: training loss=\d+\.\d+/);
    expect(metrics[0]!.data).toMatchObject({ step: 2 * stepsPerEpoch, total_steps: 2 * stepsPerEpoch });
    expect(Object.keys(metrics[0]!.data as object)).toEqual(expect.arrayContaining(['train_loss', 'train_mean_token_accuracy', 'valid_loss', 'valid_mean_token_accuracy']));
    const statuses = allEvents.map((e) => e.message).reverse();
    expect(statuses.slice(0, 4)).toEqual([
      `Created fine-tuning job: ${created.id}`,
      `Validating training file: ${trainId} and validation file: ${validId}`,
      'Files validated, moving job to queued state',
      'Fine-tuning job started',
    ]);

    const checkpoints = await client.fineTuning.jobs.checkpoints.list(created.id);
    expect(checkpoints.data.map((c) => c.step_number)).toEqual([2 * stepsPerEpoch, stepsPerEpoch]);
    expect(checkpoints.data[0]!.metrics.full_valid_mean_token_accuracy).toBeGreaterThan(0.9);

    const resultFile = await client.files.retrieve(job.result_files[0]!);
    expect(resultFile.purpose).toBe('fine-tune-results');
    const csv = await (await client.files.content(resultFile.id)).text();
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy');
    expect(lines).toHaveLength(1 + 2 * stepsPerEpoch);
    const lastLoss = lines.slice(-20).map((l) => Number(l.split(',')[1])).reduce((a, b) => a + b) / 20;
    const firstLoss = Number(lines[1]!.split(',')[1]);
    expect(lastLoss).toBeLessThan(firstLoss / 3);

    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual([job.fine_tuned_model!]); // base models are not listed: completions refuse them

    let correct = 0;
    for (let i = 0; i < valid.length; i += 50) {
      const batch = valid.slice(i, i + 50);
      const out = await client.completions.create({ model: job.fine_tuned_model!, prompt: batch.map((r) => r.prompt), max_tokens: 1, temperature: 0, logprobs: 2 });
      expect(out.choices).toHaveLength(batch.length);
      for (const choice of out.choices) {
        if (choice.text === batch[choice.index]!.completion.replace(/\n$/, '')) correct++;
        const top = choice.logprobs!.top_logprobs![0]!;
        expect(Object.keys(top).sort()).toEqual([' ham', ' spam']);
        expect(Math.exp(top[' ham']!) + Math.exp(top[' spam']!)).toBeCloseTo(1, 6);
      }
      expect(out.usage!.completion_tokens).toBe(batch.length);
    }
    const accuracy = correct / valid.length;
    console.log(`SMS spam validation accuracy: ${accuracy.toFixed(4)} on ${valid.length} examples`);
    expect(accuracy).toBeGreaterThanOrEqual(0.95);

    const one = await client.completions.create({ model: job.fine_tuned_model!, prompt: valid[0]!.prompt, max_tokens: 5, temperature: 0 });
    // max_tokens above the label's length returns the whole label, ending included.
    expect([' ham\n', ' spam\n']).toContain(one.choices[0]!.text);
    expect(one.choices[0]!.finish_reason).toBe('stop');
    expect(one.usage!.prompt_tokens).toBeGreaterThan(3);
  });
});
