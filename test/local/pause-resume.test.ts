// Pausing and resuming a job through the official SDK: a paused job's worker stops and its checkpoints stay, it
// stays paused across a server restart, and once resumed it carries on from its last checkpoint and ends with the
// same weights as a job that was never paused.
import { rmSync } from 'node:fs';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/cli.ts';
import { holdAt } from '../helpers/hold.ts';
import { makeDataDir, smallSms, startTestServer, toJsonl, upload, waitForJob } from './helpers.ts';

describe('fine-tuning job pause and resume', () => {
  it('pauses a running job, keeps it paused over a restart, resumes it from its checkpoint to the same result', async () => {
    // 30 examples, batch 5: 6 steps per epoch, 18 in all. The job holds before step 7, after epoch 1's checkpoint.
    const hyperparameters = { n_epochs: 3, batch_size: 5 };
    const hold = holdAt(7);
    const dataDir = makeDataDir();
    const log: string[] = [];
    let t = await startTestServer({ dataDir, hold: { step: 7, path: hold.path }, log: (line) => log.push(line) });
    try {
      const fileId = await upload(t.client, toJsonl(smallSms()), 'small.jsonl');
      const create = (client: OpenAI) => client.fineTuning.jobs.create({ model: 'babbage-002', training_file: fileId, seed: 9, method: { type: 'supervised', supervised: { hyperparameters } } });
      const job = await create(t.client);
      expect(await hold.held()).toEqual({ job_id: job.id, step: 7 });

      const paused = await t.client.fineTuning.jobs.pause(job.id);
      expect(paused.status).toBe('paused');
      expect(paused.estimated_finish).toBeNull();
      await waitFor(() => log.includes(`job ${job.id}: training worker stopped`), 20_000, 'the paused job\'s worker to stop');
      expect((await t.client.fineTuning.jobs.checkpoints.list(job.id)).data.map((c) => c.step_number)).toEqual([6]);
      expect((await t.client.fineTuning.jobs.listEvents(job.id, { limit: 1 })).data[0]!.message).toBe('Fine-tuning job paused');
      // Only a running or queued job pauses; only a paused one resumes.
      await expect(t.client.fineTuning.jobs.pause(job.id)).rejects.toMatchObject({ status: 409, message: expect.stringContaining('is already paused') });

      // A restart leaves a paused job paused: nothing picks it up.
      await t.close();
      t = await startTestServer({ dataDir, hold: { step: 7, path: hold.path }, log: (line) => log.push(line) });
      expect((await t.client.fineTuning.jobs.retrieve(job.id)).status).toBe('paused');
      expect(log.some((line) => line.startsWith('resuming'))).toBe(false);

      // Resumed, it starts again from the checkpoint at step 6 and holds again before step 7.
      rmSync(`${hold.path}.held`);
      expect((await t.client.fineTuning.jobs.resume(job.id)).status).toBe('running');
      await expect(t.client.fineTuning.jobs.resume(job.id)).rejects.toMatchObject({ status: 409, message: expect.stringContaining('is not paused') });
      expect(await hold.held()).toEqual({ job_id: job.id, step: 7 });
      const messages = (await t.client.fineTuning.jobs.listEvents(job.id, { limit: 100 })).data.map((e) => e.message);
      expect(messages).toContain('Fine-tuning job resumed');
      expect(messages).toContain('Resuming fine-tuning job from the checkpoint at step 6 after a pause');
      hold.release();
      const done = await waitForJob(t.client, job.id);
      expect(done.status).toBe('succeeded');
      await expect(t.client.fineTuning.jobs.pause(job.id)).rejects.toMatchObject({ status: 409, message: expect.stringContaining('has already finished') });
      await expect(t.client.fineTuning.jobs.resume(job.id)).rejects.toBeInstanceOf(OpenAI.ConflictError);

      // The same job never paused trains exactly the same: step metrics and predictions.
      const unpaused = await waitForJob(t.client, (await create(t.client)).id);
      const csv = async (j: OpenAI.FineTuning.FineTuningJob) => (await t.client.files.content(j.result_files[0]!)).text();
      expect(await csv(done)).toBe(await csv(unpaused));
      expect((await csv(done)).trim().split('\n')).toHaveLength(1 + 18);
      const answer = async (model: string) => (await t.client.completions.create({ model, prompt: smallSms()[3]!.prompt, max_tokens: 1, logprobs: 2 })).choices[0]!.logprobs;
      expect(await answer(done.fine_tuned_model!)).toEqual(await answer(unpaused.fine_tuned_model!));
    } finally {
      await t.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('pauses a queued job without starting it, and a paused job can be cancelled', async () => {
    // One job at a time: the first holds, the second waits in the queue.
    const hold = holdAt(2);
    const t = await startTestServer({ maxConcurrentJobs: 1, hold: { step: 2, path: hold.path } });
    try {
      const fileId = await upload(t.client, toJsonl(smallSms()), 'small.jsonl');
      const create = () => t.client.fineTuning.jobs.create({ model: 'babbage-002', training_file: fileId, hyperparameters: { n_epochs: 1 } });
      const first = await create();
      expect((await hold.held()).job_id).toBe(first.id);
      const second = await create();
      const third = await create();
      for (const queued of [second, third]) {
        await waitFor(async () => (await t.client.fineTuning.jobs.retrieve(queued.id)).status === 'queued', 20_000, 'the job to be queued');
        expect((await t.client.fineTuning.jobs.pause(queued.id)).status).toBe('paused');
      }
      // A paused job can be cancelled, and then not resumed.
      expect((await t.client.fineTuning.jobs.cancel(third.id)).status).toBe('cancelled');
      await expect(t.client.fineTuning.jobs.resume(third.id)).rejects.toMatchObject({ status: 409 });
      hold.release();
      expect((await waitForJob(t.client, first.id)).status).toBe('succeeded');
      // The queue is empty once the first is done: the paused job never started.
      const events = (await t.client.fineTuning.jobs.listEvents(second.id, { limit: 100 })).data.map((e) => e.message);
      expect(events).not.toContain('Fine-tuning job started');
      expect((await t.client.fineTuning.jobs.retrieve(second.id)).status).toBe('paused');
      // Resumed, it goes back to the queue, which is free, so it starts at once.
      expect(['queued', 'running']).toContain((await t.client.fineTuning.jobs.resume(second.id)).status);
      expect((await waitForJob(t.client, second.id)).status).toBe('succeeded');
      expect((await t.client.fineTuning.jobs.listEvents(second.id, { limit: 100 })).data.map((e) => e.message)).toContain('Fine-tuning job started');
    } finally {
      await t.close();
    }
  });
});
