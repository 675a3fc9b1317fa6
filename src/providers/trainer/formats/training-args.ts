// Tunefile's parameters as transformers' TrainingArguments, which LLaMA-Factory and TRL both parse their training
// keys into: https://huggingface.co/docs/transformers/main_classes/trainer#transformers.TrainingArguments
import type { TrainerSettings } from '../types.ts';

/**
 * The run's length, batch, rate and seed. `batch_size` is the per-device batch with no gradient accumulation (on N
 * devices a step sees N times as many examples); evaluation batches the same.
 */
export function hyperparameterArgs(settings: TrainerSettings, outputDir: string): Record<string, unknown> {
  return {
    output_dir: outputDir,
    num_train_epochs: settings.n_epochs,
    per_device_train_batch_size: settings.batch_size,
    per_device_eval_batch_size: settings.batch_size,
    gradient_accumulation_steps: 1,
    learning_rate: settings.learning_rate,
    seed: settings.seed,
  };
}

/**
 * Logging every step (the progress line and the result CSV read it), an evaluation and a checkpoint at the end of
 * each epoch (a killed run resumes from the last one), and no experiment tracker.
 */
export const SCHEDULE_ARGS = { logging_steps: 1, eval_strategy: 'epoch', save_strategy: 'epoch', report_to: 'none' } as const;
