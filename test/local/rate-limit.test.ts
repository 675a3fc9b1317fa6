// The local server's emulated rate limits, through the official SDK: OpenAI's x-ratelimit-* headers on every
// completion, 429s with retry-after and OpenAI's error body, requests vs tokens per minute, and continuous refill.
// Time is the server's injected clock, moved by hand: nothing here waits on the machine's clock.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RateLimit } from '../../src/local/index.ts';
import { makeDataDir, smallSms, startTestServer, toJsonl, upload, waitForJob, type TestServer } from './helpers.ts';

const dataDir = makeDataDir();
let model: string;
let chatModel: string;
const prompt = smallSms()[0]!.prompt;

beforeAll(async () => {
  const t = await startTestServer({ dataDir });
  try {
    const train = async (base: string, records: unknown[]) => {
      const fileId = await upload(t.client, toJsonl(records), 'train.jsonl');
      const job = await t.client.fineTuning.jobs.create({ model: base, training_file: fileId, seed: 1, method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 1 } } } });
      return (await waitForJob(t.client, job.id)).fine_tuned_model!;
    };
    model = await train('babbage-002', smallSms());
    chatModel = await train('gpt-4o-mini-2024-07-18', smallSms().map((r) => ({ messages: [{ role: 'user', content: r.prompt.trim() }, { role: 'assistant', content: r.completion.trim() }] })));
  } finally {
    await t.close();
  }
}, 120_000);

/** A server over the trained models with `rateLimit`, on a clock that moves only when the test moves it. */
async function limited(rateLimit: RateLimit | undefined): Promise<TestServer & { advance(ms: number): void }> {
  let ms = Date.parse('2030-01-01T00:00:00Z');
  const t = await startTestServer({ dataDir, ...(rateLimit ? { rateLimit } : {}), now: () => ms });
  return Object.assign(t, { advance: (by: number) => void (ms += by) });
}

const complete = (client: OpenAI, maxTokens = 1) => client.completions.create({ model, prompt, max_tokens: maxTokens, temperature: 0 }).withResponse();

/** The x-ratelimit-* headers of a response, as an object. */
function limits(headers: Headers): Record<string, string | null> {
  const names = ['limit-requests', 'limit-tokens', 'remaining-requests', 'remaining-tokens', 'reset-requests', 'reset-tokens'];
  return Object.fromEntries(names.map((n) => [n, headers.get(`x-ratelimit-${n}`)]));
}

/** The 429 a call ends with. */
async function refusal(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.RateLimitError>> {
  const error = await call.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(OpenAI.RateLimitError);
  return error as InstanceType<typeof OpenAI.RateLimitError>;
}

describe('tunefile serve --rate-limit (emulated provider limits)', () => {
  let t: Awaited<ReturnType<typeof limited>> | undefined;
  afterAll(async () => t?.close());
  const use = async (rateLimit: RateLimit | undefined) => {
    await t?.close();
    return (t = await limited(rateLimit));
  };

  it('sends all six x-ratelimit-* headers on every completion; remaining counts down by 1 request and prompt + max_tokens tokens', async () => {
    const s = await use({ requests: 3, tokens: 1000 });
    const seen: Record<string, string | null>[] = [];
    const costs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { data, response } = await complete(s.client, 2);
      seen.push(limits(response.headers));
      costs.push(data.usage!.prompt_tokens + 2);
    }
    expect(seen.map((h) => h['remaining-requests'])).toEqual(['2', '1', '0']);
    expect(seen.map((h) => [h['limit-requests'], h['limit-tokens']])).toEqual(Array(3).fill(['3', '1000']));
    expect(seen.map((h) => Number(h['remaining-tokens']))).toEqual([1000 - costs[0]!, 1000 - costs[0]! - costs[1]!, 1000 - costs[0]! - costs[1]! - costs[2]!]);
    // Time until full, in OpenAI's format: 1 request of 3 per minute refills in 20 s; 2 in 40 s; 3 in 1m0s.
    expect(seen.map((h) => h['reset-requests'])).toEqual(['20s', '40s', '1m0s']);
    expect(seen[0]!['reset-tokens']).toMatch(/^\d+(\.\d+)?s$|^\d+ms$/);
  });

  it('answers 429 past the request limit with retry-after, retry-after-ms and OpenAI\'s error body; nothing is taken', async () => {
    const s = await use({ requests: 2 });
    await complete(s.client);
    await complete(s.client);
    const error = await refusal(complete(s.client));
    expect(error.status).toBe(429);
    expect(error.error).toEqual({ message: expect.stringMatching(/^Rate limit reached for requests per min \(RPM\) on ft:babbage-002:.*: Limit 2, Used 2, Requested 1\. Please try again in 30s\.$/), type: 'requests', param: null, code: 'rate_limit_exceeded' });
    expect(error.headers.get('retry-after-ms')).toBe('30000');
    expect(error.headers.get('retry-after')).toBe('30');
    expect(limits(error.headers)).toMatchObject({ 'limit-requests': '2', 'remaining-requests': '0', 'limit-tokens': null });
    // Refused requests take nothing: half a minute later exactly one more fits.
    await refusal(complete(s.client));
    s.advance(30_000);
    const { response } = await complete(s.client);
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    await refusal(complete(s.client));
  });

  it('limits tokens apart from requests: type tokens, and the wait is the time until the tokens fit', async () => {
    const s = await use({ requests: 100, tokens: 120 });
    const { data } = await complete(s.client, 40);
    const cost = data.usage!.prompt_tokens + 40;
    expect(cost).toBeLessThan(120);
    expect(cost * 2).toBeGreaterThan(120);
    const error = await refusal(complete(s.client, 40));
    expect(error.error).toMatchObject({ type: 'tokens', code: 'rate_limit_exceeded', message: expect.stringMatching(/^Rate limit reached for tokens per min \(TPM\)/) });
    const wait = Number(error.headers.get('retry-after-ms'));
    expect(wait).toBe(Math.ceil(((cost - (120 - cost)) * 60_000) / 120));
    expect(limits(error.headers)).toMatchObject({ 'remaining-requests': '99', 'remaining-tokens': String(120 - cost) });
    s.advance(wait - 1);
    await refusal(complete(s.client, 40));
    s.advance(1);
    await complete(s.client, 40);
  });

  it('refills continuously, not once a minute, up to the limit and no further', async () => {
    const s = await use({ requests: 60 });
    for (let i = 0; i < 10; i++) await complete(s.client);
    s.advance(2_000); // 60 per minute: one a second
    const { response } = await complete(s.client);
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe(String(60 - 10 + 2 - 1));
    s.advance(3_600_000);
    const full = await complete(s.client);
    expect(limits(full.response.headers)).toMatchObject({ 'remaining-requests': '59', 'reset-requests': '1s' });
  });

  it('a request larger than the token limit is told not to retry, with no retry-after', async () => {
    const s = await use({ tokens: 50 });
    const error = await refusal(complete(s.client, 100));
    expect(error.error).toMatchObject({ type: 'tokens', code: 'rate_limit_exceeded', message: expect.stringMatching(/^Request too large for .* Limit 50, Requested \d+\./) });
    expect(error.headers.get('x-should-retry')).toBe('false');
    expect(error.headers.get('retry-after')).toBeNull();
  });

  it('limits chat completions too (OpenAI\'s and Together\'s routes), on the same budget', async () => {
    const s = await use({ requests: 2 });
    const chat = () => s.client.chat.completions.create({ model: chatModel, messages: [{ role: 'user', content: 'hello' }], max_tokens: 1 }).withResponse();
    const first = await chat();
    expect(first.response.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    const together = await fetch(`${s.server.togetherUrl}/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${s.server.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: chatModel, messages: [{ role: 'user', content: 'hello' }], max_tokens: 1 }),
    });
    expect(together.status).toBe(200);
    expect(together.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    const error = await refusal(chat());
    expect(error.error).toMatchObject({ type: 'requests' });
  });

  it('sends no x-ratelimit-* headers without a limit', async () => {
    const s = await use(undefined);
    const { response } = await complete(s.client);
    expect(Object.values(limits(response.headers)).every((v) => v === null)).toBe(true);
  });
});
