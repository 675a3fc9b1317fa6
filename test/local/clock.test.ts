// The local server takes its clock from the caller (LocalServerOptions.now): every timestamp it hands out comes from
// that clock, none from the machine's.
import { describe, expect, it } from 'vitest';
import { smallSms, startTestServer, toJsonl, upload, waitForJob } from './helpers.ts';

describe('local server clock', () => {
  it('stamps files, jobs, events, completions and finish times with the injected clock', async () => {
    // A clock far from today that moves one second per reading: a read of the machine's clock would stand out.
    let ms = Date.parse('2001-02-03T04:05:06Z');
    const start = ms / 1000;
    const t = await startTestServer({ now: () => (ms += 1000) });
    try {
      const fileId = await upload(t.client, toJsonl(smallSms()), 'small.jsonl');
      const file = await t.client.files.retrieve(fileId);
      const created = await t.client.fineTuning.jobs.create({ model: 'babbage-002', training_file: fileId, seed: 1, method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 1 } } } });
      const job = await waitForJob(t.client, created.id);
      expect(job.status).toBe('succeeded');
      const events = (await t.client.fineTuning.jobs.listEvents(job.id, { limit: 100 })).data;
      const completion = await t.client.completions.create({ model: job.fine_tuned_model!, prompt: smallSms()[0]!.prompt, max_tokens: 1 });
      const end = ms / 1000;
      const stamps = [file.created_at, job.created_at, job.finished_at!, ...events.map((e) => e.created_at), completion.created];
      for (const s of stamps) expect(s).toBeGreaterThan(start);
      for (const s of stamps) expect(s).toBeLessThanOrEqual(end);
      expect(job.finished_at!).toBeGreaterThan(job.created_at);
    } finally {
      await t.close();
    }
  });
});
