// SIGKILL the server during training, restart it on the same folder: the same job resumes and ends as if never killed.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { fingerprint, loadSms, makeDataDir, smallSms, splitStratified, startTestServer, toJsonl, upload, waitForJob } from './helpers.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const KEY = 'sk-resume-test';

interface Child {
  process: ChildProcess;
  client: OpenAI;
}

/** Runs `tunefile serve` in a child process and returns a client once it prints its URL. */
async function serve(dataDir: string): Promise<Child> {
  const child = spawn(process.execPath, [MAIN, 'serve', '--port', '0', '--data', dataDir, '--api-key', KEY, '--step-delay-ms', '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
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

/** Waits until `check` on the job's state is true. */
async function waitUntil(client: OpenAI, id: string, check: (steps: number, checkpoints: number) => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`job ${id} never reached the state to kill it in`);
    const [events, checkpoints] = await Promise.all([client.fineTuning.jobs.listEvents(id, { limit: 20 }), client.fineTuning.jobs.checkpoints.list(id)]);
    const step = events.data.find((e) => e.type === 'metrics');
    if (check(step ? Number((step.data as { step: number }).step) : 0, checkpoints.data.length)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('resuming after SIGKILL', () => {
  const dataDir = makeDataDir();

  it('resumes the same job from the start and from a checkpoint, with the uninterrupted result', async () => {
    const { train, valid } = splitStratified(loadSms().slice(0, 2500));
    const hyperparameters = { n_epochs: 3, batch_size: 8 };

    let server = await serve(dataDir);
    const earlierFile = await upload(server.client, toJsonl(smallSms()), 'small.jsonl');
    const earlier = await waitForJob(server.client, (await server.client.fineTuning.jobs.create({ model: 'babbage-002', training_file: earlierFile, seed: 1 })).id);
    const earlierAnswer = await server.client.completions.create({ model: earlier.fine_tuned_model!, prompt: valid[0]!.prompt, max_tokens: 1, logprobs: 2 });

    const trainId = await upload(server.client, toJsonl(train), 'train.jsonl');
    const validId = await upload(server.client, toJsonl(valid), 'valid.jsonl');
    const created = await server.client.fineTuning.jobs.create({ model: 'babbage-002', training_file: trainId, validation_file: validId, seed: 99, method: { type: 'supervised', supervised: { hyperparameters } } });

    // Kill 1: before the first checkpoint, so the job restarts from the start.
    await waitUntil(server.client, created.id, (step, checkpoints) => step >= 20 && checkpoints === 0);
    await kill(server);
    server = await serve(dataDir);
    expect((await server.client.fineTuning.jobs.retrieve(created.id)).status).toBe('running');

    // Kill 2: in the second epoch, after the first checkpoint.
    await waitUntil(server.client, created.id, (step, checkpoints) => checkpoints >= 1 && step >= 300);
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
      const totalSteps = 3 * Math.ceil(train.length / 8);
      expect(steps).toHaveLength(totalSteps);
      expect(new Set(steps).size).toBe(totalSteps);
      const messages = events.map((e) => e.message);
      expect(messages).toContain('Restarting fine-tuning job from the start after a server restart');
      expect(messages.some((m) => /^Resuming fine-tuning job from the checkpoint at step \d+/.test(m))).toBe(true);
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
  });
});
