// local-train.json, tunefile's own config for `trainer: command`.
import { describe, expect, it } from 'vitest';
import { FULL_SETTINGS, fixtureLayout, LORA_SETTINGS } from '../../../../test/helpers/trainer-fixtures.ts';
import { commandFormat } from './command.ts';

const layout = fixtureLayout('local-train.json');

describe('command renderConfig', () => {
  it('names the files, the hyperparameters and LoRA, and resume_from_checkpoint only when resuming', () => {
    const config = JSON.parse(commandFormat.renderConfig(LORA_SETTINGS, layout)) as Record<string, unknown>;
    expect(Object.keys(config)).toEqual([
      'model_name_or_path', 'train_file', 'validation_file', 'output_dir', 'num_train_epochs', 'per_device_train_batch_size', 'learning_rate', 'seed', 'max_length', 'lora', 'logging_steps', 'save_strategy',
    ]);
    expect(config).toMatchObject({ train_file: '/run/data/train.jsonl', validation_file: '/run/data/valid.jsonl', lora: { rank: 16, alpha: 32, dropout: 0.05, target_modules: 'q_proj,v_proj' }, save_strategy: 'epoch' });
    const resumed = JSON.parse(commandFormat.renderConfig(FULL_SETTINGS, layout, '/run/output/checkpoint-2')) as Record<string, unknown>;
    expect(resumed).toMatchObject({ lora: false, learning_rate: 1e-7, resume_from_checkpoint: '/run/output/checkpoint-2' });
  });

  it('appends extra keys and refuses one for the files', () => {
    expect(JSON.parse(commandFormat.renderConfig({ ...LORA_SETTINGS, extra: { warmup_ratio: 0.1 } }, layout))).toMatchObject({ warmup_ratio: 0.1 });
    expect(() => commandFormat.renderConfig({ ...LORA_SETTINGS, extra: { train_file: 'x' } }, layout)).toThrow(/train_file/);
  });
});
