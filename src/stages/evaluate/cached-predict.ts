// Predictions through the prediction cache: answers already paid for come from state.db, only the rest are requested.
import type OpenAI from 'openai';
import type { ModelRequest } from '../../tokens/format.ts';
import { getPredictionKey, type PredictionCache } from './prediction-cache.ts';
import { predictAll, type Prediction, type PredictAllOptions } from './predict.ts';

/** How predictWithCache works: predictAll's options plus the provider, the cache and what to tell the user. */
export interface CachedPredictOptions extends PredictAllOptions {
  /** The provider identity string (identityString), part of every key. */
  provider: string;
  cache: PredictionCache;
  /** Ask for every answer, reading nothing from the cache (`run --force`); the answers are still stored. */
  refresh?: boolean;
  /**
   * Connects to the provider; called only when some answer is not cached. Returns the client and the name requests
   * send as `model` (an Azure deployment's name); keys keep `model`, the fine-tuned model's id, which decides the answer.
   */
  connect(): Promise<{ client: OpenAI; model: string }>;
  /** Predictions known so far (cached ones first), after the look-up and after every answered request. */
  onDone?(done: number): void;
  /** A store of answers failed: they are still used, only a later run pays for them again. */
  onStoreError(error: unknown, count: number): void;
}

/**
 * Predicts every request, in order. Looks each one up first; the misses go to the provider with predictAll's
 * batching and concurrency, and each request's answers are stored as soon as they arrive, so an interrupted run
 * keeps what it paid for. `cached` is how many came from the cache.
 */
export async function predictWithCache(requests: ModelRequest[], o: CachedPredictOptions): Promise<{ predictions: Prediction[]; cached: number }> {
  const keys = requests.map((r) => getPredictionKey(o.provider, r, o));
  const predictions = keys.map((key) => (o.refresh ? undefined : o.cache.get(key)));
  const misses = predictions.flatMap((p, i) => (p === undefined ? [i] : []));
  const cached = requests.length - misses.length;
  o.onDone?.(cached);
  if (misses.length === 0) return { predictions: predictions as Prediction[], cached };
  const { client, model } = await o.connect();
  await predictAll(client, misses.map((i) => requests[i]!), { ...o, model }, (done, { start, answers }) => {
    const at = answers.map((_, j) => misses[start + j]!);
    at.forEach((i, j) => (predictions[i] = answers[j]));
    try {
      o.cache.put(at.map((i, j) => [keys[i]!, answers[j]!]));
    } catch (error) {
      // Losing the cache entry only costs a later run; failing here would throw away answers already paid for.
      o.onStoreError(error, answers.length);
    }
    o.onDone?.(cached + done);
  });
  return { predictions: predictions as Prediction[], cached };
}
