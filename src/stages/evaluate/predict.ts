// Predictions through the SDK (completions in batches of prompts, or chat completions; temperature 0, logprobs), and a
// bounded pool paced to the provider's rate limits.
import type OpenAI from 'openai';
import { TunefileError } from '../../errors.ts';
import type { ModelRequest } from '../../tokens/format.ts';
import { sendPaced, type RequestContext } from './paced-request.ts';
import { RequestPacer } from './pacer.ts';

/** What the model answered: its text, the answer's log-probability, and the first position's top alternatives. */
export interface Prediction {
  text: string;
  /** Sum of the generated tokens' log-probabilities; null when the provider gave none. */
  logprob: number | null;
  /** Top alternatives for the first generated token. */
  top: { token: string; logprob: number }[];
}

/** How predictOne asks the model. */
export interface PredictOptions {
  model: string;
  maxTokens: number;
  /** Stop sequence (the completion ending), if any. */
  stop?: string;
  topLogprobs: number;
  signal: AbortSignal;
}

/** Prompts per legacy completions request unless `batch_size` says otherwise: the most OpenAI documents for one request. */
export const DEFAULT_BATCH_SIZE = 20;

/** How predictAll spreads the work. */
export interface PredictAllOptions extends PredictOptions {
  /** Most requests in flight at once. */
  concurrency: number;
  /** Completion prompts per request (chat requests always carry one conversation). */
  batchSize: number;
  /**
   * A text's tokens in the model's encoding: a request's cost under a tokens-per-minute limit. Used only once the
   * provider has sent one. @default its UTF-8 bytes (never fewer than a byte-level BPE's tokens)
   */
  countTokens?: (text: string) => number;
}

/**
 * Predicts every request, in order: completion prompts go `batchSize` to a request (the legacy completions API takes
 * an array of prompts), chat conversations one to a request, with at most `concurrency` requests in flight, fewer
 * when the provider's rate limits say so (RequestPacer). `onDone` gets the number of predictions finished so far
 * and, as soon as it arrives, the request's answers for `requests[start]`, `requests[start + 1]`, ...
 */
export async function predictAll(
  client: OpenAI,
  requests: ModelRequest[],
  o: PredictAllOptions,
  onDone?: (done: number, batch: { start: number; answers: Prediction[] }) => void,
): Promise<Prediction[]> {
  const groups = groupRequests(requests, Math.max(1, Math.floor(o.batchSize)));
  const results = new Array<Prediction>(requests.length);
  const ctx: RequestContext = { client, pacer: new RequestPacer({ maxInFlight: o.concurrency }), signal: o.signal };
  const count = o.countTokens ?? ((text: string) => Buffer.byteLength(text, 'utf8'));
  let done = 0;
  await mapWithConcurrency(groups, o.concurrency, async (group) => {
    const first = requests[group.start]!;
    const answers = first.kind === 'completion'
      ? await predictCompletions(ctx, requests.slice(group.start, group.start + group.length).map((r) => (r as { prompt: string }).prompt), o, count)
      : [await predictChat(ctx, first, o, count)];
    answers.forEach((answer, j) => (results[group.start + j] = answer));
    done += group.length;
    onDone?.(done, { start: group.start, answers });
  });
  return results;
}

/** Consecutive completion requests in runs of at most `batchSize`; every chat request alone. */
function groupRequests(requests: ModelRequest[], batchSize: number): { start: number; length: number }[] {
  const groups: { start: number; length: number }[] = [];
  for (let i = 0; i < requests.length;) {
    let length = 1;
    if (requests[i]!.kind === 'completion') while (length < batchSize && i + length < requests.length && requests[i + length]!.kind === 'completion') length++;
    groups.push({ start: i, length });
    i += length;
  }
  return groups;
}

/**
 * Asks a completion model for several prompts in one request; choice `index` i answers prompt i (OpenAI returns
 * prompt index * n + choice, and n is 1 here). A response without exactly one choice per prompt fails the batch.
 * Its token cost (for the pacer) is what OpenAI counts: the prompts' tokens plus max_tokens for each.
 */
async function predictCompletions(ctx: RequestContext, prompts: string[], o: PredictOptions, count: (text: string) => number): Promise<Prediction[]> {
  const tokens = () => prompts.reduce((sum, p) => sum + count(p) + o.maxTokens, 0);
  const res = await sendPaced(ctx, tokens, (options) => ctx.client.completions.create(
    { ...completionParams(o), prompt: prompts.length === 1 ? prompts[0]! : prompts },
    options,
  ));
  const choices = new Array<OpenAI.Completions.CompletionChoice | undefined>(prompts.length);
  for (const choice of res.choices ?? []) {
    // With one prompt there is nothing to confuse: a server that leaves `index` out still answers it.
    const at = prompts.length === 1 && choice.index == null ? 0 : choice.index;
    if (!Number.isInteger(at) || at < 0 || at >= prompts.length) throw badBatch(prompts.length, `a choice with index ${JSON.stringify(at)}`);
    if (choices[at]) throw badBatch(prompts.length, `two choices for index ${at}`);
    choices[at] = choice;
  }
  const missing = choices.findIndex((c) => c === undefined);
  if (missing >= 0) throw badBatch(prompts.length, `no choice for index ${missing} (${res.choices?.length ?? 0} choices in all)`);
  return choices.map((choice) => {
    const lp = choice!.logprobs;
    const first = lp?.top_logprobs?.[0] ?? {};
    return {
      text: choice!.text ?? '',
      logprob: sumOrNull(lp?.token_logprobs ?? []),
      top: Object.entries(first).map(([token, logprob]) => ({ token, logprob })),
    };
  });
}

function badBatch(size: number, what: string): TunefileError {
  return new TunefileError('TUNEFILE_PROVIDER', `the provider's completions response to ${size === 1 ? 'a prompt' : `a batch of ${size} prompts`} has ${what}: expected one choice per prompt, indexed from 0`, {
    ...(size > 1 ? { hint: "if this server does not accept an array of prompts, set the evaluate stage's batch_size: 1" } : {}),
  });
}

function commonParams(o: PredictOptions) {
  return { model: o.model, max_tokens: o.maxTokens, temperature: 0 as const, ...(o.stop ? { stop: [o.stop] } : {}) };
}

/** A completions request's settings, all but its prompt(s): what decides each answer (the prediction cache keys on it). */
export function completionParams(o: PredictOptions) {
  return { ...commonParams(o), logprobs: Math.min(5, o.topLogprobs) };
}

/** A chat completions request's settings, all but its messages: what decides the answer (the prediction cache keys on it). */
export function chatParams(o: PredictOptions) {
  return { ...commonParams(o), logprobs: true as const, top_logprobs: Math.min(20, o.topLogprobs) };
}

/**
 * Asks a chat model about one conversation. Its token cost (for the pacer) is counted as OpenAI's cookbook counts
 * a prompt (3 per message, its role and content, 3 to prime the reply) plus max_tokens.
 */
async function predictChat(ctx: RequestContext, request: Extract<ModelRequest, { kind: 'chat' }>, o: PredictOptions, count: (text: string) => number): Promise<Prediction> {
  const tokens = () => request.messages.reduce((sum, m) => sum + 3 + count(m.role) + count(m.content ?? ''), 3) + o.maxTokens;
  const res = await sendPaced(ctx, tokens, (options) => ctx.client.chat.completions.create(
    { ...chatParams(o), messages: request.messages as OpenAI.Chat.ChatCompletionMessageParam[] },
    options,
  ));
  const choice = res.choices[0];
  const content = choice?.logprobs?.content ?? [];
  return {
    text: choice?.message?.content ?? '',
    logprob: sumOrNull(content.map((c) => c.logprob)),
    top: (content[0]?.top_logprobs ?? []).map((t) => ({ token: t.token, logprob: t.logprob })),
  };
}

function sumOrNull(values: (number | null | undefined)[]): number | null {
  if (values.length === 0 || values.some((v) => typeof v !== 'number')) return null;
  return (values as number[]).reduce((a, b) => a + b, 0);
}

/** Maps items through `fn` with at most `limit` calls in flight, in order; the first failure stops new calls and is thrown. */
export async function mapWithConcurrency<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>, onDone?: (done: number) => void): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (error) {
        failed = true;
        throw error;
      }
      onDone?.(++done);
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const rejected = settled.find((s) => s.status === 'rejected');
  if (rejected) throw (rejected as PromiseRejectedResult).reason;
  return results;
}
