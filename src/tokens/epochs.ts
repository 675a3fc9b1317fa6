// OpenAI's default-epochs heuristic (fine-tuning data-prep cookbook): the one `auto` rule of tokencheck, train's cost
// guard and the local trainer.

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
