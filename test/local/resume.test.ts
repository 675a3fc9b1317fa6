// SIGKILL the server during training, restart it on the same folder: the same job resumes and ends as if never killed.
// Each kill lands while the job is held (TUNEFILE_LOCAL_HOLD) at a chosen step, with everything before it recorded.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { holdAt, type Hold } from '../helpers/hold.ts';
import { fingerprint, loadSms, makeDataDir, smallSms, splitStratified, startTestServer, toJsonl, upload, waitForJob } from './helpers.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const KEY = 'sk-resume-test';

interface Child {
  process: ChildProcess;
  client: OpenAI;
}

/** Runs `tunefile serve` in a child process (its jobs held by `hold`, if given) and returns a client once it prints its URL. */
async function serve(dataDir: string, hold?: Hold): Promise<Child> {
  const child = spawn(process.execPath, [MAIN, 'serve', '--port', '0', '--data', dataDir, '--api-key', KEY], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...hold?.env } });
  let out = '';
  const url = await new Promise<string>((ok, fail) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /OPENAI_BASE_URL=(\S+)/.exec(out);
      if (m) ok(m[1]!);
    });
    child.once('exit', (code) => fail(new Error(`serve exited early with ${code}: ${out}`)));
  });
  expect(out).toContain(`OPENAI_API_KEY=${KEY}`);
  return { process: child, client: new OpenAI({ apiKey: KEY, baseURL: url, maxRetries: 0 }) };
}

async function kill(child: Child): Promise<void> {
  const exited = new Promise((ok) => child.process.once('exit', ok));
  child.process.kill('SIGKILL');
  await exited;
}

/** Waits until the job `id` holds at `hold`; returns its last recorded step and its checkpoints' steps. */
async function heldState(server: Child, hold: Hold, id: string): Promise<{ step: number; checkpoints: number[] }> {
  const held = await hold.held({ gone: () => (server.process.exitCode === null ? undefined : 'the server exited') });
  expect(held.job_id).toBe(id);
  const { client } = server;
  expect((await client.fineTuning.jobs.retrieve(id)).status).toBe('running');
  const events = await client.fineTuning.jobs.listEvents(id, { limit: 20 });
  const last = events.data.find((e) => e.type === 'metrics');
  const checkpoints = await client.fineTuning.jobs.checkpoints.list(id);
  return { step: last ? Number((last.data as { step: number }).step) : 0, checkpoints: checkpoints.data.map((c) => c.step_number) };
}

describe('resuming after SIGKILL', () => {
  const dataDir = makeDataDir();

  it('resumes the same job from the start and from a checkpoint, with the uninterrupted result', async () => {
    const { train, valid } = splitStratified(loadSms().slice(0, 2500));
    const hyperparameters = { n_epochs: 3, batch_size: 8 };
    const stepsPerEpoch = Math.ceil(train.length / 8);
    const totalSteps = 3 * stepsPerEpoch;

    let server = await serve(dataDir);
    const earlierFile = await upload(server.client, toJsonl(smallSms()), 'small.jsonl');
    const earlier = await waitForJob(server.client, (await server.client.fineTuning.jobs.create({ model: 'babbage-002', training_file: earlierFile, seed: 1 })).id);
    const earlierAnswer = await server.client.completions.create({ model: earlier.fine_tuned_model!, prompt: valid[0]!.prompt, max_tokens: 1, logprobs: 2 });

    const trainId = await upload(server.client, toJsonl(train), 'train.jsonl');
    const validId = await upload(server.client, toJsonl(valid), 'valid.jsonl');
    // The earlier job is done and no other job runs: restart with the first hold, which then catches only the new job.
    await kill(server);
    const hold1 = holdAt(21);
    server = await serve(dataDir, hold1);
    const created = await server.client.fineTuning.jobs.create({ model: 'babbage-002', training_file: trainId, validation_file: validId, seed: 99, method: { type: 'supervised', supervised: { hyperparameters } } });

    // Kill 1: before step 21, before the first checkpoint, so the job restarts from the start.
    expect(await heldState(server, hold1, created.id)).toEqual({ step: 20, checkpoints: [] });
    await kill(server);
    const hold2 = holdAt(stepsPerEpoch + 51);
    server = await serve(dataDir, hold2);
    expect((await server.client.fineTuning.jobs.retrieve(created.id)).status).toBe('running');

    // Kill 2: in the second epoch, 50 steps after the first checkpoint, so it resumes from there.
    expect(await heldState(server, hold2, created.id)).toEqual({ step: stepsPerEpoch + 50, checkpoints: [stepsPerEpoch] });
    await kill(server);
    server = await serve(dataDir);
    try {
      const job = await waitForJob(server.client, created.id);
      expect(job.status).toBe('succeeded');
      const jobs = await server.client.fineTuning.jobs.list();
      expect(jobs.data.map((j) => j.id)).toEqual([created.id, earlier.id]);

      const events = [];
      for await (const e of server.client.fineTuning.jobs.listEvents(created.id, { limit: 100 })) events.push(e);
      const steps = events.filter((e) => e.type === 'metrics').map((e) => Number((e.data as { step: number }).step));
      expect(steps).toHaveLength(totalSteps);
      expect(new Set(steps).size).toBe(totalSteps);
      const messages = events.map((e) => e.message);
      expect(messages).toContain('Restarting fine-tuning job from the start after a server restart');
      expect(messages).toContain(`Resuming fine-tuning job from the checkpoint at step ${stepsPerEpoch} after a server restart`);
      expect((await server.client.fineTuning.jobs.checkpoints.list(created.id)).data).toHaveLength(3);

      // The earlier model still answers, exactly as before.
      const again = await server.client.completions.create({ model: earlier.fine_tuned_model!, prompt: valid[0]!.prompt, max_tokens: 1, logprobs: 2 });
      expect(again.choices[0]!.logprobs).toEqual(earlierAnswer.choices[0]!.logprobs);

      const resumed = await fingerprint(server.client, job, valid);
      // The same job, never interrupted, on a fresh in-process server.
      const reference = await startTestServer();
      try {
        const refTrain = await upload(reference.client, toJsonl(train), 'train.jsonl');
        const refValid = await upload(reference.client, toJsonl(valid), 'valid.jsonl');
        const refCreated = await reference.client.fineTuning.jobs.create({ model: 'babbage-002', training_file: refTrain, validation_file: refValid, seed: 99, method: { type: 'supervised', supervised: { hyperparameters } } });
        const refJob = await waitForJob(reference.client, refCreated.id);
        expect(refJob.trained_tokens).toBe(job.trained_tokens);
        const expected = await fingerprint(reference.client, refJob, valid);
        expect(resumed.csv).toBe(expected.csv);
        expect(resumed.predictions).toEqual(expected.predictions);
      } finally {
        await reference.close();
      }
    } finally {
      await kill(server);
    }
  }, 180_000);
});
