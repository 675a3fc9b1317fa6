// Listing jobs: cursor pagination, the metadata filter; cancelling a running job.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/cli.ts';
import { holdAt } from '../helpers/hold.ts';
import { collectPages, smallSms, startTestServer, toJsonl, upload, waitForJob, type TestServer } from './helpers.ts';

describe('fine-tuning job lists and cancel', () => {
  let t: TestServer;
  let trainId: string;

  beforeAll(async () => {
    t = await startTestServer();
    trainId = await upload(t.client, toJsonl(smallSms()), 'small.jsonl');
  });
  afterAll(async () => {
    await t.close();
  });

  it('pages through every job exactly once, newest first, and filters by metadata', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const job = await t.client.fineTuning.jobs.create({ model: 'babbage-002', training_file: trainId, seed: i, metadata: { tunefile_key: `key-${i}`, team: i % 2 ? 'odd' : 'even' } });
      ids.push(job.id);
    }
    const listed = await collectPages((after) => t.client.fineTuning.jobs.list({ limit: 3, ...(after ? { after } : {}) }));
    expect(listed.map((j) => j.id)).toEqual([...ids].reverse());
    const viaIterator: string[] = [];
    for await (const job of t.client.fineTuning.jobs.list({ limit: 2 })) viaIterator.push(job.id);
    expect(viaIterator).toEqual([...ids].reverse());

    const found = await t.client.fineTuning.jobs.list({ metadata: { tunefile_key: 'key-4' } });
    expect(found.data.map((j) => j.id)).toEqual([ids[4]]);
    const odd = await t.client.fineTuning.jobs.list({ metadata: { team: 'odd' } });
    expect(odd.data.map((j) => j.id)).toEqual([ids[5], ids[3], ids[1]]);
    const none = await t.client.fineTuning.jobs.list({ metadata: { tunefile_key: 'nope' } });
    expect(none.data).toEqual([]);
    for (const id of ids) expect((await waitForJob(t.client, id)).status).toBe('succeeded');
  }, 120_000);

  it('cancels a running job, keeps its file from being deleted meanwhile, and refuses a second cancel', async () => {
    // The job holds before step 3 (never released), so it is running whenever the test looks.
    const hold = holdAt(3);
    const log: string[] = [];
    const holding = await startTestServer({ hold: { step: 3, path: hold.path }, log: (line) => log.push(line) });
    try {
      const fileId = await upload(holding.client, toJsonl(smallSms()), 'small.jsonl');
      const created = await holding.client.fineTuning.jobs.create({ model: 'babbage-002', training_file: fileId, method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 20, batch_size: 1 } } } });
      expect(await hold.held()).toEqual({ job_id: created.id, step: 3 });
      const job = await holding.client.fineTuning.jobs.retrieve(created.id);
      expect(job.status).toBe('running');
      expect(job.estimated_finish).toBeGreaterThanOrEqual(job.created_at);
      const inUse = await holding.client.files.delete(fileId).catch((e: unknown) => e);
      expect(inUse).toBeInstanceOf(OpenAI.ConflictError);
      const cancelled = await holding.client.fineTuning.jobs.cancel(created.id);
      expect(cancelled.status).toBe('cancelled');
      const events = await holding.client.fineTuning.jobs.listEvents(created.id, { limit: 1 });
      expect(events.data[0]!.message).toBe('Fine-tuning job cancelled');
      await expect(holding.client.fineTuning.jobs.cancel(created.id)).rejects.toBeInstanceOf(OpenAI.ConflictError);
      // Once the worker has exited (its exit handler has run), the job is still cancelled.
      await waitFor(() => log.includes(`job ${created.id}: training worker stopped`), 20_000, 'the cancelled job\'s worker to stop');
      expect((await holding.client.fineTuning.jobs.retrieve(created.id)).status).toBe('cancelled');
      expect((await holding.client.files.delete(fileId)).deleted).toBe(true);
      await expect(holding.client.files.retrieve(fileId)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    } finally {
      await holding.close();
    }
  });
});
