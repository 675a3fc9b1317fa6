// The fixed settings and run layout the trainer formats' tests and goldens (test/fixtures/trainer-configs/) render.
import type { RunLayout, TrainerSettings } from '../../src/providers/trainer/types.ts';

/** A LoRA run of Qwen3-0.6B on two named modules. */
export const LORA_SETTINGS: TrainerSettings = {
  base_model: 'Qwen/Qwen3-0.6B',
  n_epochs: 3,
  learning_rate: 0.0002,
  batch_size: 4,
  seed: 42,
  max_length: 2048,
  lora: { rank: 16, alpha: 32, dropout: 0.05, target_modules: 'q_proj,v_proj' },
  extra: {},
};

/** A full fine-tune of the same model, at a rate JavaScript writes with an exponent. */
export const FULL_SETTINGS: TrainerSettings = { ...LORA_SETTINGS, learning_rate: 1e-7, lora: false };

/** The checkpoint FULL_SETTINGS' goldens resume from. */
export const RESUME_FROM = '/run/output/checkpoint-20';

/** Stable placeholder paths of one run folder. */
export function fixtureLayout(configName: string): RunLayout {
  return { runDir: '/run', dataDir: '/run/data', outputDir: '/run/output', configPath: `/run/${configName}`, logPath: '/run/train.log', cacheDir: '/run/cache' };
}

/** LORA_SETTINGS adapting `targetModules` instead. */
export function loraOn(targetModules: string): TrainerSettings {
  return { ...LORA_SETTINGS, lora: { rank: 16, alpha: 32, dropout: 0.05, target_modules: targetModules } };
}
