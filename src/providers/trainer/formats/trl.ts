// TRL (`trl sft --config trl.yaml`): the splits as a local dataset folder of messages JSONL, tunefile's parameters
// as the fields of TRL's ScriptArguments, SFTConfig (transformers' TrainingArguments) and ModelConfig.
import { join } from 'node:path';
import type { RunLayout, TrainerFormat, TrainerSettings } from '../types.ts';
import { mergeExtra } from './extra.ts';
import { loraTargets } from './lora-targets.ts';
import { writeMessagesJsonl } from './messages.ts';
import { hyperparameterArgs, SCHEDULE_ARGS } from './training-args.ts';
import { vllmServe } from './serve.ts';
import { renderYaml } from './yaml.ts';

const DOCS = [
  'tunefile-rendered config for `trl sft --config`; the keys follow https://huggingface.co/docs/trl/clis,',
  'https://huggingface.co/docs/trl/sft_trainer (SFTConfig, ModelConfig, ScriptArguments) and',
  'https://huggingface.co/docs/transformers/main_classes/trainer#transformers.TrainingArguments',
];

/**
 * The keys that place the run in its folder; `extra` may not set them (see mergeExtra). `env` too: the train
 * command's environment is the provider's `env:`.
 */
const OWNED = ['dataset_name', 'dataset_train_split', 'dataset_test_split', 'datasets', 'output_dir', 'resume_from_checkpoint', 'env'] as const;

/** A PEFT target that matches one module name as a list entry would: the module itself or a suffix `.name`. */
function singleModulePattern(name: string): string {
  return `(.*\\.)?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
}

/**
 * ModelConfig's LoRA fields. ModelConfig turns a one-entry `lora_target_modules` list into a plain string, which
 * PEFT reads as a regular expression over whole module paths: a single module name is therefore written as the
 * pattern that matches it as a list entry would.
 */
function loraKeys(lora: TrainerSettings['lora']): Record<string, unknown> {
  if (lora === false) return { use_peft: false };
  const targets = loraTargets(lora.target_modules);
  const modules = targets === 'all-linear' ? 'all-linear' : targets.length === 1 ? singleModulePattern(targets[0]!) : targets;
  return { use_peft: true, lora_r: lora.rank, lora_alpha: lora.alpha, lora_dropout: lora.dropout, lora_target_modules: modules };
}

/**
 * trl.yaml. `dataset_name` is the data folder: `datasets.load_dataset` names its splits by file name, train.jsonl
 * `train` and valid.jsonl `validation`. The loss is on the assistant turns only (`assistant_only_loss`, as OpenAI
 * trains; TRL swaps in a training chat template for the model families it knows). The `env` block (set by TRL's
 * parser before loading anything) points the Hugging Face datasets cache, where TRL keeps its tokenized splits, at
 * the run's cache folder.
 *
 * `resume_from_checkpoint` is a TrainingArguments field, so the config parses with it, but the `trl sft` script calls
 * `trainer.train()` without it (trl/scripts/sft.py): a resumed `trl sft` starts over unless `run:` is a script that
 * passes it on.
 */
function renderConfig(settings: TrainerSettings, layout: RunLayout, resumeFrom?: string): string {
  const own: Record<string, unknown> = {
    model_name_or_path: settings.base_model,
    dataset_name: layout.dataDir,
    dataset_train_split: 'train',
    dataset_test_split: 'validation',
    ...hyperparameterArgs(settings, layout.outputDir),
    max_length: settings.max_length,
    assistant_only_loss: true,
    ...loraKeys(settings.lora),
    ...SCHEDULE_ARGS,
    ...(resumeFrom === undefined ? {} : { resume_from_checkpoint: resumeFrom }),
    env: { HF_DATASETS_CACHE: join(layout.cacheDir, 'hf-datasets') },
  };
  return renderYaml(DOCS, mergeExtra('trl', own, settings.extra, OWNED));
}

/**
 * TRL's format: messages JSONL, trl.yaml, `trl sft`, served by vLLM
 * (the LoRA adapter beside its base model, or a full fine-tune as a model of its own).
 */
export const trlFormat: TrainerFormat = {
  kind: 'trl',
  configName: 'trl.yaml',
  writeDataset: writeMessagesJsonl,
  renderConfig,
  defaultRun: ['trl', 'sft', '--config', '{config}'],
  defaultServe: vllmServe,
};
