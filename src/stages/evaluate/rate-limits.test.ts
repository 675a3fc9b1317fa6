// predictAll against `tunefile serve --rate-limit` (the real CLI over loopback, the real SDK): under a tight
// requests or tokens limit it finishes with the same predictions in the same order as without one, and the server
// answers it few 429s. Assertions are on counts and contents, never on durations; each run is sized to wait a few
// seconds for the limit's refill.
import { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSms, splitStratified, toJsonl } from '../../../test/local/helpers.ts';
import { count429, countingClient } from '../../../test/helpers/counting-client.ts';
import { SERVE_KEY, startServe, type Serve } from '../../../test/helpers/serve.ts';
import { tempDir } from '../../../test/helpers/temp.ts';
import { getEncodingForModel } from '../../tokens/encoding.ts';
import type { ModelRequest } from '../../tokens/format.ts';
import { predictAll, type PredictAllOptions, type Prediction } from './predict.ts';

const dataDir = tempDir('tunefile-evaluate-limits-');
const { train, valid } = splitStratified(loadSms(), 4);
let model: string;
let countTokens: (text: string) => number;
let reference: Prediction[];
const CONCURRENCY = 8;

const requestsOf = (n: number): ModelRequest[] => valid.slice(0, n).map((r) => ({ kind: 'completion', prompt: r.prompt, display: r.prompt, answer: r.completion }));
const options = (batchSize: number): PredictAllOptions => ({ model, maxTokens: 1, stop: '\n', topLogprobs: 5, signal: new AbortController().signal, concurrency: CONCURRENCY, batchSize, countTokens });

const countingServeClient = (s: Serve) => countingClient({ apiKey: SERVE_KEY, baseURL: s.url });

beforeAll(async () => {
  countTokens = ((enc) => (text: string) => enc.encodeOrdinary(text).length)(await getEncodingForModel('babbage-002'));
  const s = await startServe(dataDir);
  try {
    const file = await s.client.files.create({ file: await toFile(Buffer.from(toJsonl(train.slice(0, 1500))), 'train.jsonl'), purpose: 'fine-tune' });
    let job = await s.client.fineTuning.jobs.create({ model: 'babbage-002', training_file: file.id, seed: 3, method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 1 } } } });
    while (!['succeeded', 'failed', 'cancelled'].includes(job.status)) {
      // A poll interval: the loop ends on the job's status, whenever it comes.
      await new Promise((r) => setTimeout(r, 50));
      job = await s.client.fineTuning.jobs.retrieve(job.id);
    }
    expect(job.status).toBe('succeeded');
    model = job.fine_tuned_model!;
    const plain = countingServeClient(s);
    reference = await predictAll(plain.client, requestsOf(valid.length), options(1));
    expect(count429(plain.statuses)).toBe(0);
  } finally {
    await s.stop();
  }
}, 120_000);

describe('evaluate under a provider rate limit (tunefile serve --rate-limit)', () => {
  let s: Serve | undefined;
  afterAll(async () => s?.stop());
  const serve = async (rateLimit: string) => {
    await s?.stop();
    return (s = await startServe(dataDir, { rateLimit }));
  };

  it('requests per minute: one prompt per request, 5% past the limit, every prediction as without a limit, in order', async () => {
    const n = Math.min(valid.length, 630);
    const limit = Math.floor(n / 1.05);
    const { client, statuses } = countingServeClient(await serve(`${limit},`));
    expect(s!.stderr()).toContain(`rate limit on completions: ${limit} requests per minute`);
    const predictions = await predictAll(client, requestsOf(n), options(1));
    expect(predictions).toEqual(reference.slice(0, n));
    expect(statuses.length - count429(statuses)).toBe(n);
    expect(count429(statuses)).toBeLessThanOrEqual(3);
  });

  it('tokens per minute: batches of 5 prompts, the limit 5% short of the run, counted as the server counts them', async () => {
    const n = 300;
    const total = requestsOf(n).reduce((sum, r) => sum + countTokens((r as { prompt: string }).prompt) + 1, 0);
    const { client, statuses } = countingServeClient(await serve(`,${Math.floor(total / 1.05)}`));
    const predictions = await predictAll(client, requestsOf(n), options(5));
    expect(predictions).toEqual(reference.slice(0, n));
    expect(statuses.length - count429(statuses)).toBe(n / 5);
    expect(count429(statuses)).toBeLessThanOrEqual(3);
  });

  it('a limit already used up by another client: the first request (sent alone) gets a 429, the rest waits its turn; no 429 turns into a failure', async () => {
    const { client, statuses } = countingServeClient(await serve('60,'));
    const other = s!.client;
    for (let i = 0; i < 60; i++) await other.completions.create({ model, prompt: 'x', max_tokens: 1 });
    const batches = 3;
    const predictions = await predictAll(client, requestsOf(20 * batches), options(20));
    expect(predictions).toEqual(reference.slice(0, 20 * batches));
    // Only the first request, sent before any answer said the budget was spent, was refused, and only once.
    expect(count429(statuses)).toBe(1);
    expect(statuses.length).toBe(batches + 1);
  });
});
