// OpenAI-like `auto` defaults for n_epochs, batch_size and learning_rate_multiplier.
import type { Hyperparameters } from './protocol.ts';
import { resolveEpochs } from '../../shared/hyperparameters.ts';

/** Adam's step size is BASE_LEARNING_RATE * learning_rate_multiplier. */
export const BASE_LEARNING_RATE = 0.2;

/** What a request may give for each hyperparameter. */
export type Requested = Partial<Record<keyof Hyperparameters, number | 'auto'>>;

/** The legacy rule: about 0.2% of the training examples, between 1 and 256. */
export function autoBatchSize(n: number): number {
  return Math.max(1, Math.min(256, Math.round(n * 0.002)));
}

/** The legacy rule: 0.05, 0.1 or 0.2, larger for larger batches. */
export function autoLearningRateMultiplier(batchSize: number): number {
  if (batchSize <= 4) return 0.05;
  if (batchSize <= 32) return 0.1;
  return 0.2;
}

/** Replaces `auto` (or absent) values with the defaults for `n` training examples. */
export function resolveHyperparameters(requested: Requested, n: number): Hyperparameters {
  // OpenAI's rule, the one tokencheck and the cost guard estimate with.
  const n_epochs = resolveEpochs(requested.n_epochs, n);
  const batch_size = typeof requested.batch_size === 'number' ? Math.min(requested.batch_size, n) : autoBatchSize(n);
  const learning_rate_multiplier =
    typeof requested.learning_rate_multiplier === 'number' ? requested.learning_rate_multiplier : autoLearningRateMultiplier(batch_size);
  return { n_epochs, batch_size, learning_rate_multiplier };
}
