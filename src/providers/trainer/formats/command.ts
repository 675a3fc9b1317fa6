// `trainer: command`: any program, given tunefile's own JSON config (`tunefile local-train local-train.json` by
// default). The keys are named after transformers' TrainingArguments, so a script can hand most of them on as they are.
import { join } from 'node:path';
import type { RunLayout, TrainerFormat, TrainerSettings } from '../types.ts';
import { mergeExtra } from './extra.ts';
import { SPLIT_FILES, writeMessagesJsonl } from './messages.ts';

/** The keys that place the run in its folder; `extra` may not set them (see mergeExtra). */
const OWNED = ['train_file', 'validation_file', 'output_dir', 'resume_from_checkpoint'] as const;

/**
 * local-train.json, with these keys, then `extra`'s:
 * - `model_name_or_path`: the base model (a Hugging Face id or an absolute folder);
 * - `train_file`, `validation_file`: messages JSONL, one `{"messages": [{"role", "content"}, ...]}` per line;
 * - `output_dir`: where the model and its `checkpoint-N/` folders go;
 * - `num_train_epochs`, `per_device_train_batch_size`, `learning_rate`, `seed`;
 * - `max_length`: the longest training sequence, in tokens;
 * - `lora`: `{rank, alpha, dropout, target_modules}` (target_modules `all-linear` or names joined by commas), or
 *   `false` for full fine-tuning;
 * - `logging_steps` (1) and `save_strategy` (`epoch`): log every step, and save a checkpoint each epoch so that a
 *   killed run can resume;
 * - `resume_from_checkpoint`: the checkpoint folder to resume from, only when resuming.
 */
function renderConfig(settings: TrainerSettings, layout: RunLayout, resumeFrom?: string): string {
  const own: Record<string, unknown> = {
    model_name_or_path: settings.base_model,
    train_file: join(layout.dataDir, SPLIT_FILES.train),
    validation_file: join(layout.dataDir, SPLIT_FILES.valid),
    output_dir: layout.outputDir,
    num_train_epochs: settings.n_epochs,
    per_device_train_batch_size: settings.batch_size,
    learning_rate: settings.learning_rate,
    seed: settings.seed,
    max_length: settings.max_length,
    lora: settings.lora === false ? false : { rank: settings.lora.rank, alpha: settings.lora.alpha, dropout: settings.lora.dropout, target_modules: settings.lora.target_modules },
    logging_steps: 1,
    save_strategy: 'epoch',
    ...(resumeFrom === undefined ? {} : { resume_from_checkpoint: resumeFrom }),
  };
  return `${JSON.stringify(mergeExtra('command', own, settings.extra, OWNED), null, 2)}\n`;
}

/** The command format: messages JSONL, local-train.json, `tunefile local-train`, served by `tunefile serve`. */
export const commandFormat: TrainerFormat = {
  kind: 'command',
  configName: 'local-train.json',
  writeDataset: writeMessagesJsonl,
  renderConfig,
  defaultRun: ['{tunefile}', 'local-train', '{config}'],
  defaultServe: () => ({ run: ['{tunefile}', 'serve', '--model', '{adapter}', '--port', '{port}', '--served-model-name', '{served_model}', '--api-key', '{api_key}'] }),
};
