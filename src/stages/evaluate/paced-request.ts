// One prediction request through the pacer, with evaluate's own retries: 429s paced and counted, transient failures
// as the SDK would retry them, and responses cut in transit.
import { setTimeout as sleepFor } from 'node:timers/promises';
import OpenAI from 'openai';
import { TunefileError } from '../../errors.ts';
import { readRetryAfterMs, type RequestPacer } from './pacer.ts';

/** 429s in a row for one request before evaluate gives up on it. */
export const RATE_LIMIT_ATTEMPTS = 10;
/** A 429 that asks to wait longer than this is not waited for (a daily limit, say). */
const MAX_RATE_LIMIT_WAIT_MS = 10 * 60_000;
/** Tries of a request whose response was cut or garbled, or whose connection failed. */
const CUT_RESPONSE_ATTEMPTS = 3;

/** Where a request goes and how it is paced. */
export interface RequestContext {
  client: OpenAI;
  pacer: RequestPacer;
  signal: AbortSignal;
}

/** An SDK call made with the request options evaluate sets (its abort signal; no SDK retries: evaluate does them). */
type Call<T> = (options: { signal: AbortSignal; maxRetries: 0 }) => { withResponse(): Promise<{ data: T; response: Response }> };

/**
 * Sends a request once the pacer lets it through and returns its answer. A 429 never reaches the caller while
 * retrying makes sense: the pacer pauses every request for its retry-after and the request is sent again, up to
 * RATE_LIMIT_ATTEMPTS times in a row. The SDK's own retries are off for these requests, so no 429 goes unseen by the
 * pacer; other failures are retried as the SDK would (408, 409, 5xx and failed connections, `client.maxRetries` times,
 * retry-after or 0.5 s doubling to 8 s), and a response cut or garbled in transit (no HTTP status, which the SDK does
 * not retry) up to CUT_RESPONSE_ATTEMPTS times. A prediction is a read, so asking again is safe.
 * @throws TunefileError TUNEFILE_PROVIDER when the provider keeps answering 429, or a request exceeds its token limit.
 */
export async function sendPaced<T>(ctx: RequestContext, tokens: () => number, call: Call<T>): Promise<T> {
  let limited = 0;
  let failed = 0;
  for (;;) {
    const ticket = await ctx.pacer.acquire(tokens, ctx.signal).catch((error: unknown) => {
      // Aborted while waiting: the same error as an SDK call aborted in flight.
      if (ctx.signal.aborted) throw new OpenAI.APIUserAbortError();
      if (!(error instanceof RangeError)) throw error;
      throw new TunefileError('TUNEFILE_PROVIDER', `${error.message}, so it can never be sent`, { hint: "lower the evaluate stage's batch_size (or max_tokens)" });
    });
    let headers: Headers | undefined;
    try {
      const { data, response } = await call({ signal: ctx.signal, maxRetries: 0 }).withResponse();
      ctx.pacer.settle(ticket, 'ok', response.headers);
      return data;
    } catch (error) {
      const status = error instanceof OpenAI.APIError ? error.status : undefined;
      headers = error instanceof OpenAI.APIError ? error.headers : undefined;
      ctx.pacer.settle(ticket, status === 429 ? 'rate-limited' : 'failed', headers);
      if (ctx.signal.aborted || error instanceof OpenAI.APIUserAbortError) throw error;
      if (status === 429) {
        limited++;
        checkRateLimitRetry(error as InstanceType<typeof OpenAI.APIError>, limited);
        continue;
      }
      failed++;
      const retryable = status === undefined ? failed < Math.max(CUT_RESPONSE_ATTEMPTS, ctx.client.maxRetries + 1) : isRetryableStatus(status, headers) && failed <= ctx.client.maxRetries;
      if (!retryable) throw error;
      const wait = status === undefined && !(error instanceof OpenAI.APIConnectionError) ? 100 * failed : retryDelay(failed, headers);
      await sleepFor(wait, undefined, { signal: ctx.signal }).catch(() => {
        throw new OpenAI.APIUserAbortError();
      });
    }
  }
}

/**
 * Whether a 429 is worth sending again (the pacer already waits for it).
 * @throws TunefileError when it is not: too many in a row, a wait too long, or a server that says never.
 */
function checkRateLimitRetry(error: InstanceType<typeof OpenAI.APIError>, limited: number): void {
  const wait = readRetryAfterMs(error.headers);
  const never = error.headers?.get('x-should-retry') === 'false';
  if (!never && limited < RATE_LIMIT_ATTEMPTS && (wait === undefined || wait <= MAX_RATE_LIMIT_WAIT_MS)) return;
  const why = never
    ? 'and says not to send it again'
    : limited >= RATE_LIMIT_ATTEMPTS ? `${limited} times in a row` : `and asks to wait ${Math.round(wait! / 1000)} s`;
  throw new TunefileError('TUNEFILE_PROVIDER', `the provider refused a prediction request with 429 (rate limit) ${why}: ${error.message}`, {
    cause: error,
    hint: "another client may be using the same key's limits; rerun later (answers received so far are cached), or lower the evaluate stage's concurrency or batch_size",
  });
}

/** The statuses the SDK retries: 408, 409 and 5xx, unless the server says x-should-retry: false (or true). */
function isRetryableStatus(status: number, headers: Headers | undefined): boolean {
  const say = headers?.get('x-should-retry');
  if (say === 'true' || say === 'false') return say === 'true';
  return status === 408 || status === 409 || status >= 500;
}

/** The SDK's wait before retry `n`: the server's retry-after if it is within a minute, else 0.5 s doubling to 8 s. */
function retryDelay(n: number, headers: Headers | undefined): number {
  const asked = readRetryAfterMs(headers);
  return asked !== undefined && asked <= 60_000 ? asked : Math.min(8000, 500 * 2 ** (n - 1));
}
