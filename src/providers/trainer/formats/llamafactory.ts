// LLaMA-Factory 0.9.5 (`llamafactory-cli train llamafactory.yaml`): the splits as two sharegpt datasets (OpenAI
// message tags) registered in dataset_info.json, tunefile's parameters as its model/data/finetuning/training
// arguments, and `llamafactory-cli api` with an inference config for evaluate.
import { join } from 'node:path';
import { writeFileAtomic } from '../../../shared/atomic-write.ts';
import type { ChatExample, RunLayout, TrainerFormat, TrainerSettings } from '../types.ts';
import { mergeExtra } from './extra.ts';
import { loraTargets } from './lora-targets.ts';
import { SPLIT_FILES, writeMessagesJsonl } from './messages.ts';
import { hyperparameterArgs, SCHEDULE_ARGS } from './training-args.ts';
import { renderYaml } from './yaml.ts';

const SOURCE = 'https://github.com/hiyouga/LLaMA-Factory/blob/v0.9.5';

/** The dataset names dataset_info.json registers, as `dataset` and `eval_dataset` name them. */
export const LLAMAFACTORY_DATASETS = { train: 'tunefile_train', valid: 'tunefile_valid' } as const;

/** The keys that place the run in its folder; `extra` may not set them (see mergeExtra). */
const OWNED = ['dataset', 'eval_dataset', 'dataset_dir', 'tokenized_path', 'output_dir', 'resume_from_checkpoint'] as const;

/** A sharegpt dataset of OpenAI messages (data/README.md, "OpenAI Format"). */
function sharegptEntry(fileName: string): Record<string, unknown> {
  return {
    file_name: fileName,
    formatting: 'sharegpt',
    columns: { messages: 'messages' },
    tags: { role_tag: 'role', content_tag: 'content', user_tag: 'user', assistant_tag: 'assistant', system_tag: 'system' },
  };
}

/** dataset_info.json's text: the two splits, by the names of LLAMAFACTORY_DATASETS. */
export function datasetInfo(): string {
  const info = { [LLAMAFACTORY_DATASETS.train]: sharegptEntry(SPLIT_FILES.train), [LLAMAFACTORY_DATASETS.valid]: sharegptEntry(SPLIT_FILES.valid) };
  return `${JSON.stringify(info, null, 2)}\n`;
}

/** train.jsonl and valid.jsonl, then dataset_info.json describing them, in `dataDir` (the config's dataset_dir). */
function writeDataset(dataDir: string, splits: { train: ChatExample[]; valid: ChatExample[] }): void {
  writeMessagesJsonl(dataDir, splits);
  writeFileAtomic(join(dataDir, 'dataset_info.json'), datasetInfo());
}

/**
 * LLaMA-Factory's prompt template: `extra.template` when set, else a guess from the model id (README's "Supported
 * Models" table): Qwen3 Instruct-2507 `qwen3_nothink`, Qwen3.5 `qwen3_5`, Qwen3.6 `qwen3_6`, other Qwen3 `qwen3`, Qwen and Qwen2(.5)
 * `qwen`, Llama 3 `llama3`, any other `default`. Set `extra.template` for any other model family.
 */
export function llamafactoryTemplate(settings: TrainerSettings): string {
  const given = settings.extra.template;
  if (typeof given === 'string' && given !== '') return given;
  const model = settings.base_model.toLowerCase();
  if (/qwen3\b.*instruct-2507/.test(model)) return 'qwen3_nothink';
  if (/qwen3\.5/.test(model)) return 'qwen3_5';
  if (/qwen3\.6/.test(model)) return 'qwen3_6';
  if (/qwen3/.test(model)) return 'qwen3';
  if (/qwen/.test(model)) return 'qwen';
  if (/llama-?3/.test(model)) return 'llama3';
  return 'default';
}

/** The finetuning method and its LoRA arguments (finetuning_args.py: LoraArguments). */
function methodKeys(lora: TrainerSettings['lora']): Record<string, unknown> {
  if (lora === false) return { finetuning_type: 'full' };
  const targets = loraTargets(lora.target_modules);
  return {
    finetuning_type: 'lora',
    lora_rank: lora.rank,
    lora_alpha: lora.alpha,
    lora_dropout: lora.dropout,
    lora_target: targets === 'all-linear' ? 'all' : targets.join(','),
  };
}

/**
 * llamafactory.yaml. Trains on the answers only (LLaMA-Factory's `train_on_prompt: false` default). The tokenized
 * datasets are saved to and reloaded from the run's cache folder (`tokenized_path`); LLaMA-Factory also resumes by
 * itself from the newest checkpoint in output_dir when `resume_from_checkpoint` is unset.
 */
function renderConfig(settings: TrainerSettings, layout: RunLayout, resumeFrom?: string): string {
  const own: Record<string, unknown> = {
    model_name_or_path: settings.base_model,
    stage: 'sft',
    do_train: true,
    ...methodKeys(settings.lora),
    template: llamafactoryTemplate(settings),
    dataset: LLAMAFACTORY_DATASETS.train,
    eval_dataset: LLAMAFACTORY_DATASETS.valid,
    dataset_dir: layout.dataDir,
    tokenized_path: join(layout.cacheDir, 'llamafactory-tokenized'),
    cutoff_len: settings.max_length,
    ...hyperparameterArgs(settings, layout.outputDir),
    ...SCHEDULE_ARGS,
    ...(resumeFrom === undefined ? {} : { resume_from_checkpoint: resumeFrom }),
  };
  const header = [
    'tunefile-rendered config for `llamafactory-cli train` (LLaMA-Factory 0.9.5); the keys are the fields of',
    `${SOURCE}/src/llamafactory/hparams/ (model_args.py, data_args.py, finetuning_args.py) and`,
    'https://huggingface.co/docs/transformers/main_classes/trainer#transformers.Seq2SeqTrainingArguments',
  ];
  return renderYaml(header, mergeExtra('llamafactory', own, settings.extra, OWNED));
}

/**
 * The inference config of `llamafactory-cli api` (examples/inference/*.yaml): the base model with the adapter, or
 * the fully trained folder. Training's `extra` is not merged: the api's parser refuses keys it does not know (only
 * `extra.template` carries over, through llamafactoryTemplate). Port and listed name go through the environment.
 */
function renderServeConfig(settings: TrainerSettings, adapterDir: string): { name: string; text: string } {
  const config =
    settings.lora === false
      ? { model_name_or_path: adapterDir, template: llamafactoryTemplate(settings), infer_backend: 'huggingface', finetuning_type: 'full' }
      : { model_name_or_path: settings.base_model, adapter_name_or_path: adapterDir, template: llamafactoryTemplate(settings), infer_backend: 'huggingface', finetuning_type: 'lora' };
  const header = ['tunefile-rendered inference config for `llamafactory-cli api` (LLaMA-Factory 0.9.5), as', `${SOURCE}/examples/inference/qwen3_lora_sft.yaml`];
  return { name: 'llamafactory-serve.yaml', text: renderYaml(header, config) };
}

/**
 * LLaMA-Factory's format. Its OpenAI-compatible server takes the port and the name /v1/models lists from the
 * environment (src/llamafactory/api/app.py: API_PORT, API_MODEL_NAME; it binds API_HOST, default 0.0.0.0).
 */
export const llamafactoryFormat: TrainerFormat = {
  kind: 'llamafactory',
  configName: 'llamafactory.yaml',
  writeDataset,
  renderConfig,
  defaultRun: ['llamafactory-cli', 'train', '{config}'],
  // The LoRA adapter or the full model is named in the serve config (renderServeConfig).
  defaultServe: () => ({ run: ['llamafactory-cli', 'api', '{serve_config}'], env: { API_PORT: '{port}', API_MODEL_NAME: '{served_model}' } }),
  renderServeConfig,
};
