// LLaMA-Factory's dataset folder (two sharegpt datasets in dataset_info.json), its train config and its api config.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/helpers/temp.ts';
import { FULL_SETTINGS, fixtureLayout, LORA_SETTINGS, loraOn } from '../../../../test/helpers/trainer-fixtures.ts';
import { LLAMAFACTORY_DATASETS, llamafactoryFormat, llamafactoryTemplate } from './llamafactory.ts';

const render = (...args: Parameters<typeof llamafactoryFormat.renderConfig>) => parse(llamafactoryFormat.renderConfig(...args)) as Record<string, unknown>;
const layout = fixtureLayout('llamafactory.yaml');

describe('llamafactory writeDataset', () => {
  it('writes the splits and a dataset_info.json registering each as a sharegpt dataset with OpenAI tags', () => {
    const dir = tempDir();
    llamafactoryFormat.writeDataset(dir, { train: [{ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] }], valid: [] });
    expect(readdirSync(dir).sort()).toEqual(['dataset_info.json', 'train.jsonl', 'valid.jsonl']);
    const info = JSON.parse(readFileSync(join(dir, 'dataset_info.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    expect(Object.keys(info)).toEqual([LLAMAFACTORY_DATASETS.train, LLAMAFACTORY_DATASETS.valid]);
    expect(info.tunefile_valid).toEqual({
      file_name: 'valid.jsonl',
      formatting: 'sharegpt',
      columns: { messages: 'messages' },
      tags: { role_tag: 'role', content_tag: 'content', user_tag: 'user', assistant_tag: 'assistant', system_tag: 'system' },
    });
  });
});

describe('llamafactory renderConfig', () => {
  it('names the two datasets in the data folder, tokenizes into the cache folder, saves each epoch', () => {
    expect(render(LORA_SETTINGS, layout)).toMatchObject({
      stage: 'sft',
      do_train: true,
      dataset: 'tunefile_train',
      eval_dataset: 'tunefile_valid',
      dataset_dir: '/run/data',
      tokenized_path: '/run/cache/llamafactory-tokenized',
      output_dir: '/run/output',
      cutoff_len: 2048,
      save_strategy: 'epoch',
      report_to: 'none',
    });
  });

  it('joins named LoRA targets with commas, says all for all-linear, and full for no LoRA', () => {
    expect(render(LORA_SETTINGS, layout)).toMatchObject({ finetuning_type: 'lora', lora_rank: 16, lora_alpha: 32, lora_target: 'q_proj,v_proj' });
    expect(render(loraOn('all-linear'), layout).lora_target).toBe('all');
    const full = render(FULL_SETTINGS, layout, '/run/output/checkpoint-3');
    expect(full).toMatchObject({ finetuning_type: 'full', resume_from_checkpoint: '/run/output/checkpoint-3', learning_rate: 1e-7 });
    expect(full).not.toHaveProperty('lora_rank');
  });

  it('refuses extra for the data folder', () => {
    expect(() => render({ ...LORA_SETTINGS, extra: { dataset_dir: 'data' } }, layout)).toThrow(/dataset_dir/);
  });
});

describe('llamafactoryTemplate', () => {
  it("takes extra.template, else guesses from the model id, else 'default'", () => {
    const template = (base_model: string, extra: Record<string, unknown> = {}) => llamafactoryTemplate({ ...LORA_SETTINGS, base_model, extra });
    expect(template('Qwen/Qwen3-0.6B')).toBe('qwen3');
    expect(template('Qwen/Qwen3-4B-Instruct-2507')).toBe('qwen3_nothink');
    expect(template('Qwen/Qwen3.5-9B')).toBe('qwen3_5');
    expect(template('Qwen/Qwen2.5-7B-Instruct')).toBe('qwen');
    expect(template('meta-llama/Llama-3.2-1B-Instruct')).toBe('llama3');
    expect(template('google/gemma-3-1b-it')).toBe('default');
    expect(template('google/gemma-3-1b-it', { template: 'gemma3' })).toBe('gemma3');
  });
});

describe('llamafactory serve', () => {
  it('serves the base model with the adapter, or the trained folder, on the port and name the environment gives', () => {
    const lora = llamafactoryFormat.renderServeConfig!(LORA_SETTINGS, '/run/adapter', 8000, 'tunefile');
    expect(lora.name).toBe('llamafactory-serve.yaml');
    expect(parse(lora.text)).toEqual({ model_name_or_path: 'Qwen/Qwen3-0.6B', adapter_name_or_path: '/run/adapter', template: 'qwen3', infer_backend: 'huggingface', finetuning_type: 'lora' });
    expect(parse(llamafactoryFormat.renderServeConfig!(FULL_SETTINGS, '/run/adapter', 8000, 'tunefile').text)).toEqual({ model_name_or_path: '/run/adapter', template: 'qwen3', infer_backend: 'huggingface', finetuning_type: 'full' });
    expect(llamafactoryFormat.defaultServe(true)).toEqual({ run: ['llamafactory-cli', 'api', '{serve_config}'], env: { API_PORT: '{port}', API_MODEL_NAME: '{served_model}' } });
  });
});
