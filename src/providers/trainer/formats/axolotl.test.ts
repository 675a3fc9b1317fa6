// axolotl.yaml from tunefile's parameters: the keys of axolotl's config reference.
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { FULL_SETTINGS, fixtureLayout, LORA_SETTINGS, loraOn } from '../../../../test/helpers/trainer-fixtures.ts';
import { axolotlFormat } from './axolotl.ts';

const render = (...args: Parameters<typeof axolotlFormat.renderConfig>) => parse(axolotlFormat.renderConfig(...args)) as Record<string, unknown>;
const layout = fixtureLayout('axolotl.yaml');

describe('axolotl renderConfig', () => {
  it('points the chat_template datasets at the data folder and the prepared data at the cache folder', () => {
    const config = render(LORA_SETTINGS, layout);
    expect(config.datasets).toEqual([{ path: '/run/data/train.jsonl', ds_type: 'json', split: 'train', type: 'chat_template', field_messages: 'messages' }]);
    expect((config.test_datasets as { path: string }[])[0]!.path).toBe('/run/data/valid.jsonl');
    expect(config).toMatchObject({ dataset_prepared_path: '/run/cache/axolotl-prepared', output_dir: '/run/output', save_strategy: 'epoch', logging_steps: 1 });
    expect(config).not.toHaveProperty('resume_from_checkpoint');
  });

  it('targets named modules as a list, all-linear as lora_target_linear, and full fine-tuning without an adapter', () => {
    expect(render(LORA_SETTINGS, layout)).toMatchObject({ adapter: 'lora', lora_r: 16, lora_alpha: 32, lora_dropout: 0.05, lora_target_modules: ['q_proj', 'v_proj'] });
    const linear = render(loraOn('all-linear'), layout);
    expect(linear).toMatchObject({ lora_target_linear: true });
    expect(linear).not.toHaveProperty('lora_target_modules');
    const full = render(FULL_SETTINGS, layout, '/run/output/checkpoint-7');
    expect(full).not.toHaveProperty('adapter');
    expect(full.resume_from_checkpoint).toBe('/run/output/checkpoint-7');
  });

  it('lets extra override a hyperparameter but not a folder', () => {
    expect(render({ ...LORA_SETTINGS, extra: { save_strategy: 'steps', save_steps: 10, bf16: 'auto' } }, layout)).toMatchObject({ save_strategy: 'steps', save_steps: 10, bf16: 'auto' });
    expect(() => render({ ...LORA_SETTINGS, extra: { dataset_prepared_path: '/tmp/shared' } }, layout)).toThrow(/dataset_prepared_path/);
  });
});
