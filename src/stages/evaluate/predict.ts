// One prediction through the SDK (completions or chat completions, temperature 0, logprobs), and a bounded pool.
import type OpenAI from 'openai';
import type { ModelRequest } from '../../providers/format.ts';

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

/** Asks the model once. */
export async function predictOne(client: OpenAI, request: ModelRequest, o: PredictOptions): Promise<Prediction> {
  const common = { model: o.model, max_tokens: o.maxTokens, temperature: 0, ...(o.stop ? { stop: [o.stop] } : {}) };
  if (request.kind === 'completion') {
    const res = await retryCutResponses(() => client.completions.create({ ...common, prompt: request.prompt, logprobs: Math.min(5, o.topLogprobs) }, { signal: o.signal }), o.signal);
    const choice = res.choices[0];
    const lp = choice?.logprobs;
    const first = lp?.top_logprobs?.[0] ?? {};
    return {
      text: choice?.text ?? '',
      logprob: sumOrNull(lp?.token_logprobs ?? []),
      top: Object.entries(first).map(([token, logprob]) => ({ token, logprob })),
    };
  }
  const res = await retryCutResponses(() => client.chat.completions.create(
    { ...common, messages: request.messages as OpenAI.Chat.ChatCompletionMessageParam[], logprobs: true, top_logprobs: Math.min(20, o.topLogprobs) },
    { signal: o.signal },
  ), o.signal);
  const choice = res.choices[0];
  const content = choice?.logprobs?.content ?? [];
  return {
    text: choice?.message?.content ?? '',
    logprob: sumOrNull(content.map((c) => c.logprob)),
    top: (content[0]?.top_logprobs ?? []).map((t) => ({ token: t.token, logprob: t.logprob })),
  };
}

const CUT_RESPONSE_ATTEMPTS = 3;

/**
 * Retries a prediction whose response was cut or garbled in transit. Such errors carry no HTTP status and the SDK,
 * which retries statuses and failed connections, does not retry them. A prediction is a read, so asking again is safe.
 */
async function retryCutResponses<T>(call: () => Promise<T>, signal: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (signal.aborted || attempt >= CUT_RESPONSE_ATTEMPTS || typeof (error as { status?: unknown }).status === 'number') throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
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
