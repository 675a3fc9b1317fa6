// evaluate under a provider's rate limit: predictAll against the local server started with an emulated limit
// (requests per minute, then tokens per minute), from a spent budget, so the run goes at the limit's refill rate;
// it starts when the first request fits.
// Reports the rate achieved as a share of the limit, and the share of responses that were 429s.
// Run alone: npm run bench -- --only ratelimit [--limit-seconds S] [--repeat K]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startLocalServer, type RateLimit } from '../src/local/index.ts';
import { predictAll } from '../src/stages/evaluate/predict.ts';
import { getEncodingForModel } from '../src/tokens/encoding.ts';
import { count429, countingClient } from '../test/helpers/counting-client.ts';
import { ensureDataset } from './generate.ts';
import { median, readSuffixed, trainOnLocal } from './throughput.ts';

export interface RateLimitCase {
  limit: 'requests' | 'tokens';
  /** The emulated limit, per minute. */
  per_minute: number;
  batch_size: number;
  predictions: number;
  /** Median wall time of a run. */
  seconds: number;
  /**
   * Median over runs of the requests (or tokens) sent / what the limit let through in the run's time: the first
   * request's cost (the run starts when it fits) plus the refill, limit × minutes.
   */
  ratio: number;
  /** Median over runs of 429 responses / all responses. */
  share_429: number;
  /** 429 responses in all runs, and responses in all runs. */
  count_429: number;
  responses: number;
  rounds: number;
}

export interface RateLimitBenchResult {
  concurrency: number;
  rpm: RateLimitCase;
  tpm: RateLimitCase;
}

const KEY = 'sk-bench-ratelimit';

/**
 * Uses up a fresh server's budget, so the timed run starts where a long evaluation spends most of its time, then
 * waits until the budget holds `first` (the first request's cost: 1 request, or its tokens), so that request fits.
 */
async function drain(client: OpenAI, model: string, limit: RateLimitCase['limit'], perMinute: number, first: number): Promise<void> {
  let tokensLeft: number | undefined;
  let left = 0;
  for (;;) {
    const max = tokensLeft === undefined ? 1 : Math.max(1, tokensLeft - 16);
    const got = await client.completions.create({ model, prompt: 'x', max_tokens: max }).withResponse().catch((e: unknown) => {
      if (e instanceof OpenAI.RateLimitError) return undefined;
      throw e;
    });
    if (!got) break;
    const requests = got.response.headers.get('x-ratelimit-remaining-requests');
    const tokens = got.response.headers.get('x-ratelimit-remaining-tokens');
    tokensLeft = tokens === null ? undefined : Number(tokens);
    left = Number(limit === 'requests' ? requests : tokens);
    if (requests === '0' || (tokensLeft !== undefined && tokensLeft < 32)) break;
  }
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, ((first - left) * 60_000) / perMinute)));
}

/**
 * Trains once, then per case and round: a fresh server on the same data with the limit, its budget drained, and one
 * timed predictAll of as many predictions as the limit lets through in about `seconds`.
 */
export async function benchRateLimit(o: { seconds?: number; rounds?: number; concurrency?: number; rpm?: number; tpm?: number } = {}): Promise<RateLimitBenchResult> {
  const seconds = o.seconds ?? 30;
  const rounds = Math.max(1, o.rounds ?? 1);
  const concurrency = o.concurrency ?? 8;
  const records = readSuffixed((await ensureDataset(20_000)).path, 20_000);
  const folder = mkdtempSync(join(tmpdir(), 'tunefile-bench-ratelimit-'));
  const encoder = await getEncodingForModel('babbage-002');
  const countTokens = (text: string) => encoder.encodeOrdinary(text).length;
  try {
    const trainer = await startLocalServer({ dataDir: folder, apiKey: KEY });
    let model: string;
    try {
      model = (await trainOnLocal(new OpenAI({ apiKey: KEY, baseURL: trainer.url, maxRetries: 0 }), records.slice(0, 5000), 1)).job.fine_tuned_model!;
    } finally {
      await trainer.close();
    }
    const prompts = records.slice(5000).map((r) => r.prompt);
    const perPrompt = prompts.slice(0, 1000).reduce((sum, p) => sum + countTokens(p) + 1, 0) / 1000;
    const run = async (limit: 'requests' | 'tokens', perMinute: number, batchSize: number): Promise<RateLimitCase> => {
      const n = limit === 'requests' ? Math.round((perMinute / 60) * seconds) * batchSize : Math.round(((perMinute / 60) * seconds) / perPrompt);
      const ratios: number[] = [];
      const shares: number[] = [];
      const times: number[] = [];
      let refusedInAll = 0;
      let responses = 0;
      for (let round = 0; round < rounds; round++) {
        const rateLimit: RateLimit = limit === 'requests' ? { requests: perMinute } : { tokens: perMinute };
        const server = await startLocalServer({ dataDir: folder, apiKey: KEY, rateLimit });
        try {
          const { client, statuses } = countingClient({ apiKey: KEY, baseURL: server.url });
          const mine = prompts.slice(round * n, (round + 1) * n).map((prompt) => ({ kind: 'completion' as const, prompt, display: prompt, answer: '' }));
          const cost = (rs: typeof mine) => (limit === 'requests' ? Math.ceil(rs.length / batchSize) : rs.reduce((sum, r) => sum + countTokens(r.prompt) + 1, 0));
          const first = cost(mine.slice(0, batchSize));
          await drain(new OpenAI({ apiKey: KEY, baseURL: server.url, maxRetries: 0 }), model, limit, perMinute, first);
          const t0 = performance.now();
          await predictAll(client, mine, { model, maxTokens: 1, stop: '\n', topLogprobs: 5, signal: new AbortController().signal, concurrency, batchSize, countTokens });
          const ms = performance.now() - t0;
          // What the limit let through in that time: the first request, then the refill.
          ratios.push(cost(mine) / (first + (ms * perMinute) / 60_000));
          const refused = count429(statuses);
          shares.push(refused / statuses.length);
          times.push(ms / 1000);
          refusedInAll += refused;
          responses += statuses.length;
        } finally {
          await server.close();
        }
      }
      return { limit, per_minute: perMinute, batch_size: batchSize, predictions: n, seconds: median(times), ratio: median(ratios), share_429: median(shares), count_429: refusedInAll, responses, rounds };
    };
    return { concurrency, rpm: await run('requests', o.rpm ?? 600, 1), tpm: await run('tokens', o.tpm ?? 40_000, 20) };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
