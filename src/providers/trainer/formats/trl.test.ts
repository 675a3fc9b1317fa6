// trl.yaml for `trl sft --config`: ScriptArguments, SFTConfig and ModelConfig fields.
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { FULL_SETTINGS, fixtureLayout, LORA_SETTINGS, loraOn } from '../../../../test/helpers/trainer-fixtures.ts';
import { trlFormat } from './trl.ts';

const render = (...args: Parameters<typeof trlFormat.renderConfig>) => parse(trlFormat.renderConfig(...args)) as Record<string, unknown>;
const layout = fixtureLayout('trl.yaml');

describe('trl renderConfig', () => {
  it("loads the data folder's train and validation splits and caches datasets in the run's cache folder", () => {
    expect(render(LORA_SETTINGS, layout)).toMatchObject({
      dataset_name: '/run/data',
      dataset_train_split: 'train',
      dataset_test_split: 'validation',
      output_dir: '/run/output',
      assistant_only_loss: true,
      max_length: 2048,
      eval_strategy: 'epoch',
      save_strategy: 'epoch',
      report_to: 'none',
      env: { HF_DATASETS_CACHE: '/run/cache/hf-datasets' },
    });
  });

  it('writes a LoRA target list as a list, all-linear as is, and one module as the pattern PEFT matches it by', () => {
    expect(render(LORA_SETTINGS, layout)).toMatchObject({ use_peft: true, lora_r: 16, lora_alpha: 32, lora_dropout: 0.05, lora_target_modules: ['q_proj', 'v_proj'] });
    expect(render(loraOn('all-linear'), layout).lora_target_modules).toBe('all-linear');
    const pattern = render(loraOn('self_attn.q_proj'), layout).lora_target_modules as string;
    expect(pattern).toBe('(.*\\.)?self_attn\\.q_proj');
    for (const name of ['self_attn.q_proj', 'model.layers.0.self_attn.q_proj']) expect(new RegExp(`^(?:${pattern})$`).test(name)).toBe(true);
    expect(new RegExp(`^(?:${pattern})$`).test('model.layers.0.self_attn.q_proj_x')).toBe(false);
  });

  it('trains every parameter without LoRA and resumes from the given checkpoint', () => {
    const full = render(FULL_SETTINGS, layout, '/run/output/checkpoint-20');
    expect(full).toMatchObject({ use_peft: false, resume_from_checkpoint: '/run/output/checkpoint-20' });
    expect(full).not.toHaveProperty('lora_r');
  });

  it("refuses extra for the environment, which is the provider's env", () => {
    expect(() => render({ ...LORA_SETTINGS, extra: { env: { A: '1' } } }, layout)).toThrow(/with\.extra\.env/);
  });
});
