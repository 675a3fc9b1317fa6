// Training is deterministic for a seed: same data and seed give the same result CSV and predictions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint, loadSms, splitStratified, startTestServer, toJsonl, upload, waitForJob, type TestServer } from './helpers.ts';

describe('deterministic training', () => {
  let t: TestServer;
  const { train, valid } = splitStratified(loadSms().slice(0, 1500));

  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('gives identical CSVs and predictions for the same seed, and different ones for another seed', async () => {
    const trainId = await upload(t.client, toJsonl(train), 'train.jsonl');
    const run = async (seed: number) => {
      const created = await t.client.fineTuning.jobs.create({ model: 'babbage-002', training_file: trainId, seed, method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 2, batch_size: 4 } } } });
      const job = await waitForJob(t.client, created.id);
      expect(job.status).toBe('succeeded');
      return fingerprint(t.client, job, valid);
    };
    const a = await run(123);
    const b = await run(123);
    const c = await run(124);
    expect(b.csv).toBe(a.csv);
    expect(b.predictions).toEqual(a.predictions);
    expect(c.csv).not.toBe(a.csv);
    expect(a.csv.split('\n')[1]).toMatch(/^1,0\.693147,/);
  });
});
