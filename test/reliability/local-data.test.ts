// Issue 14, the local server's data and URLs: one corrupt job.json is named (log and errors for that job) while every
// other job keeps working; a malformed %-escape in a URL is the client's 400 in OpenAI's shape, not a 500 the SDK retries.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/cli.ts';
import { SERVE_KEY, startServe } from '../helpers/serve.ts';
import { smallSms, toJsonl, upload, waitForJob } from '../local/helpers.ts';
import { tempDir } from '../helpers/temp.ts';

const dataDir = tempDir('tunefile-local-data-');

/** A small, quick job on the SMS sample. */
async function trainSmall(client: OpenAI, training: string, seed: number): Promise<OpenAI.FineTuning.FineTuningJob> {
  const job = await client.fineTuning.jobs.create({ model: 'babbage-002', training_file: training, seed, hyperparameters: { n_epochs: 1 } });
  return waitForJob(client, job.id);
}

describe('local server: one corrupt job.json', () => {
  it('is named in the log and in errors for that job; the other jobs list, retrieve and serve, and new jobs run', async () => {
    const first = await startServe(dataDir);
    const training = await upload(first.client, toJsonl(smallSms(10)), 'train.jsonl');
    const broken = await trainSmall(first.client, training, 1);
    const good = await trainSmall(first.client, training, 2);
    expect([broken.status, good.status]).toEqual(['succeeded', 'succeeded']);
    await first.stop();

    const jobJson = join(dataDir, 'jobs', broken.id, 'job.json');
    writeFileSync(jobJson, '{"job": {"id": "ftjob-trunc');
    const server = await startServe(dataDir);
    try {
      // The log line comes before "listening", but on another pipe: wait for it rather than assume the order.
      await waitFor(() => server.stderr().includes(jobJson), 10_000, 'the log line naming the corrupt job.json');
      expect(server.stderr()).toMatch(/skipping ftjob-\S+: .*job\.json is not valid/);
      const listed = (await server.client.fineTuning.jobs.list()).data.map((j) => j.id);
      expect(listed).toContain(good.id);
      expect(listed).not.toContain(broken.id);
      expect((await server.client.fineTuning.jobs.retrieve(good.id)).status).toBe('succeeded');
      const answer = await server.client.completions.create({ model: good.fine_tuned_model!, prompt: 'Free entry to win a prize\n\n###\n\n', max_tokens: 1 });
      expect(answer.choices[0]!.text.length).toBeGreaterThan(0);

      // The broken job's own routes name the file, once: the SDK is told not to retry.
      const error = await server.client.fineTuning.jobs.retrieve(broken.id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.InternalServerError);
      expect((error as Error).message).toContain(jobJson);
      const raw = await fetch(`${server.url}/fine_tuning/jobs/${broken.id}/events`, { headers: { authorization: `Bearer ${SERVE_KEY}` } });
      expect(raw.headers.get('x-should-retry')).toBe('false');
      expect(((await raw.json()) as { error: { message: string } }).error.message).toContain(jobJson);
      const model = await server.client.completions.create({ model: broken.fine_tuned_model!, prompt: 'hi', max_tokens: 1 }).catch((e: unknown) => e);
      expect((model as Error).message).toContain(jobJson);

      const fresh = await trainSmall(server.client, training, 3);
      expect(fresh.status).toBe('succeeded');
    } finally {
      await server.stop();
    }
  }, 60_000);
});

describe('local server: malformed %-escapes in URLs', () => {
  it('answer 400 with an OpenAI error body on every route with an id, and the SDK does not retry', async () => {
    const server = await startServe(tempDir('tunefile-local-url-'));
    try {
      for (const [method, path] of [
        ['GET', '/files/%E0%A4%A'],
        ['GET', '/files/%E0%A4%A/content'],
        ['DELETE', '/files/%ZZ'],
        ['GET', '/fine_tuning/jobs/%E0%A4%A'],
        ['POST', '/fine_tuning/jobs/%C3%28/cancel'],
        ['GET', '/models/%FF'],
      ] as const) {
        const res = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${SERVE_KEY}` } });
        const body = (await res.json()) as { error: Record<string, unknown> };
        expect(res.status, `${method} ${path}`).toBe(400);
        expect(body.error, `${method} ${path}`).toMatchObject({ type: 'invalid_request_error', code: 'invalid_url', param: null });
        expect(body.error.message, `${method} ${path}`).toContain('percent-encoding');
      }
      // Through the SDK (which would retry a 500 twice with backoff): one BadRequestError.
      const sdk = new OpenAI({ apiKey: SERVE_KEY, baseURL: server.url, maxRetries: 2 });
      await expect(sdk.get('/files/%E0%A4%A')).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    } finally {
      await server.stop();
    }
  }, 30_000);
});
