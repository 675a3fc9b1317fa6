// evaluate's prediction cache in state.db: one answer per (provider, model, answer-deciding request settings, prompt).
import type { ModelRequest } from '../../tokens/format.ts';
import { canonicalJson, sha256 } from '../../store/hash.ts';
import type { StageKv } from '../types.ts';
import { chatParams, completionParams, type Prediction, type PredictOptions } from './predict.ts';

/** The kv namespace of the cache (the engine prefixes it with the stage type: `evaluate:predictions`). */
export const PREDICTION_CACHE_NAMESPACE = 'predictions';

/** Bumped when the stored form or the meaning of a key changes; old entries are then never read again. */
const CACHE_FORMAT = 1;

/**
 * The cache key of one request: sha256 of the canonical JSON of the provider identity string (never a key) and the
 * request exactly as one example's body is sent (model, max_tokens, temperature, stop, logprobs, prompt or messages).
 * How the requests are spread (batch size, concurrency) is not in it: an answer does not depend on it.
 */
export function getPredictionKey(provider: string, request: ModelRequest, o: PredictOptions): string {
  const body = request.kind === 'completion'
    ? { endpoint: 'completions', ...completionParams(o), prompt: request.prompt }
    : { endpoint: 'chat.completions', ...chatParams(o), messages: request.messages };
  return sha256(canonicalJson({ format: CACHE_FORMAT, provider, request: body }));
}

/** True for a value with a Prediction's shape (what the cache hands back is checked, not trusted). */
export function isPrediction(value: unknown): value is Prediction {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.text === 'string'
    && (v.logprob === null || typeof v.logprob === 'number')
    && Array.isArray(v.top)
    && v.top.every((t: unknown) => t !== null && typeof t === 'object' && typeof (t as { token?: unknown }).token === 'string' && typeof (t as { logprob?: unknown }).logprob === 'number');
}

/** Predictions by key. */
export interface PredictionCache {
  /** The stored answer, if any; a malformed entry is reported to `onCorrupt`, deleted and counts as a miss. */
  get(key: string): Prediction | undefined;
  /** Stores answers, all in one transaction. */
  put(entries: [key: string, prediction: Prediction][]): void;
}

/** The cache on a stage's kv store; `onCorrupt` hears of each malformed entry it drops. */
export function openPredictionCache(kv: StageKv, onCorrupt: (key: string) => void): PredictionCache {
  return {
    get(key) {
      const value = kv.get(key);
      if (value === undefined || isPrediction(value)) return value;
      onCorrupt(key);
      kv.delete(key);
      return undefined;
    },
    put: (entries) => kv.setMany(entries),
  };
}
