// Axolotl (`axolotl train axolotl.yaml`): the splits as `chat_template` datasets of OpenAI messages, tunefile's
// parameters as axolotl's own config keys.
import { join } from 'node:path';
import type { RunLayout, TrainerFormat, TrainerSettings } from '../types.ts';
import { mergeExtra } from './extra.ts';
import { loraTargets } from './lora-targets.ts';
import { SPLIT_FILES, writeMessagesJsonl } from './messages.ts';
import { vllmServe } from './serve.ts';
import { renderYaml } from './yaml.ts';

const DOCS = [
  'tunefile-rendered config for `axolotl train`; the keys follow',
  'https://docs.axolotl.ai/docs/config-reference.html and, for the datasets,',
  'https://docs.axolotl.ai/docs/dataset-formats/conversation.html#chat_template',
];

/** The keys that place the run in its folder; `extra` may not set them (see mergeExtra). */
const OWNED = ['datasets', 'test_datasets', 'dataset_prepared_path', 'output_dir', 'resume_from_checkpoint'] as const;

/** One split as an axolotl dataset: a local JSONL file (`split: train` is the one split a JSON file loads as). */
function chatDataset(path: string): Record<string, unknown> {
  return { path, ds_type: 'json', split: 'train', type: 'chat_template', field_messages: 'messages' };
}

/** The LoRA keys; none for full fine-tuning (axolotl trains every parameter when `adapter` is unset). */
function loraKeys(lora: TrainerSettings['lora']): Record<string, unknown> {
  if (lora === false) return {};
  const targets = loraTargets(lora.target_modules);
  return {
    adapter: 'lora',
    lora_r: lora.rank,
    lora_alpha: lora.alpha,
    lora_dropout: lora.dropout,
    ...(targets === 'all-linear' ? { lora_target_linear: true } : { lora_target_modules: targets }),
  };
}

/**
 * axolotl.yaml. The batch size is the per-device `micro_batch_size` with no gradient accumulation. Axolotl trains on
 * the assistant turns only (the chat_template default `roles_to_train: [assistant]`), with the tokenizer's own chat
 * template; set `chat_template` in `extra` for a model without one. Axolotl reports to no tracker unless `use_wandb`
 * (or another `use_*`) is set, so there is no `report_to` key; its prepared (tokenized) datasets go below the run's
 * cache folder.
 */
function renderConfig(settings: TrainerSettings, layout: RunLayout, resumeFrom?: string): string {
  const own: Record<string, unknown> = {
    base_model: settings.base_model,
    datasets: [chatDataset(join(layout.dataDir, SPLIT_FILES.train))],
    test_datasets: [chatDataset(join(layout.dataDir, SPLIT_FILES.valid))],
    dataset_prepared_path: join(layout.cacheDir, 'axolotl-prepared'),
    output_dir: layout.outputDir,
    sequence_len: settings.max_length,
    ...loraKeys(settings.lora),
    num_epochs: settings.n_epochs,
    micro_batch_size: settings.batch_size,
    gradient_accumulation_steps: 1,
    eval_batch_size: settings.batch_size,
    learning_rate: settings.learning_rate,
    seed: settings.seed,
    logging_steps: 1,
    eval_strategy: 'epoch',
    save_strategy: 'epoch',
    ...(resumeFrom === undefined ? {} : { resume_from_checkpoint: resumeFrom }),
  };
  return renderYaml(DOCS, mergeExtra('axolotl', own, settings.extra, OWNED));
}

/**
 * Axolotl's format: messages JSONL, axolotl.yaml, `axolotl train`, served by vLLM
 * (the LoRA adapter beside its base model, or a full fine-tune as a model of its own).
 */
export const axolotlFormat: TrainerFormat = {
  kind: 'axolotl',
  configName: 'axolotl.yaml',
  writeDataset: writeMessagesJsonl,
  renderConfig,
  defaultRun: ['axolotl', 'train', '{config}'],
  defaultServe: vllmServe,
};
