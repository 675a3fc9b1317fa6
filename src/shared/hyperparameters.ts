// Fine-tuning hyperparameter rules shared by the pipeline schema, tokencheck, train's cost guard and the local
// server: the allowed ranges, and OpenAI's `n_epochs: auto` rule (fine-tuning data-prep cookbook).

/** Inclusive [min, max] of each hyperparameter; learning_rate_multiplier must also be above its min. */
export const HYPERPARAMETER_RANGES = {
  n_epochs: [1, 50],
  batch_size: [1, 256],
  learning_rate_multiplier: [0, 10],
} as const;

export const TARGET_EPOCHS = 3;
export const MIN_TARGET_EXAMPLES = 100;
export const MAX_TARGET_EXAMPLES = 25_000;
export const MIN_DEFAULT_EPOCHS = 1;
export const MAX_DEFAULT_EPOCHS = 25;

/**
 * Epochs OpenAI picks for `n_epochs: auto`: aim at 3 epochs, but 100..25,000 example passes, clamped to 1..25, rounding
 * down as the cookbook does (`min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // n_train_examples)`).
 */
export function getDefaultEpochs(trainExamples: number): number {
  if (trainExamples <= 0) return TARGET_EPOCHS;
  if (trainExamples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES) {
    return Math.min(MAX_DEFAULT_EPOCHS, Math.floor(MIN_TARGET_EXAMPLES / trainExamples));
  }
  if (trainExamples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES) {
    return Math.max(MIN_DEFAULT_EPOCHS, Math.floor(MAX_TARGET_EXAMPLES / trainExamples));
  }
  return TARGET_EPOCHS;
}

/** The epochs a job runs: `nEpochs` when it is a number, else (`auto` or absent) the rule above on the example count. */
export function resolveEpochs(nEpochs: number | 'auto' | undefined, trainExamples: number): number {
  return typeof nEpochs === 'number' ? nEpochs : getDefaultEpochs(trainExamples);
}
