// From train's request to a trainer's settings: tunefile's `auto` resolved to numbers the trainer configs take, and
// the base model resolved against the pipeline's folder when it is a local folder.
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { BASE_LEARNING_RATE } from '../../local/trainer/hyperparameters.ts';
import type { TrainRequest } from '../types.ts';
import type { TrainerKind, TrainerProviderSpec, TrainerSettings } from './types.ts';

/** What `auto` means for a self-hosted trainer (its own defaults differ; these are tunefile's, written into the config). */
export const TRAINER_DEFAULTS = {
  n_epochs: 3,
  batch_size: 8,
  seed: 42,
  max_length: 2048,
  /** Absolute learning rates: LoRA adapters take a larger one than a full fine-tune. */
  learning_rate_lora: 2e-4,
  learning_rate_full: 2e-5,
  lora: { rank: 16, alpha: 32, dropout: 0.05, target_modules: 'all-linear' },
} as const;


type Hyperparameters = { n_epochs?: unknown; batch_size?: unknown; learning_rate_multiplier?: unknown };

/** The base model a trainer starts from: the provider's `model`, else train's; a local folder becomes absolute. */
export function baseModelOf(spec: Pick<TrainerProviderSpec, 'model'>, request: Pick<TrainRequest, 'model'>, pipelineDir: string): string {
  const model = spec.model || request.model;
  const local = model.startsWith('.') || isAbsolute(model) || existsSync(resolve(pipelineDir, model));
  return local ? resolve(pipelineDir, model) : model;
}

/** train's request as a trainer's settings. */
export function trainerSettings(kind: TrainerKind, baseModel: string, request: TrainRequest): TrainerSettings {
  const h = (request.method?.supervised?.hyperparameters ?? request.hyperparameters ?? {}) as Hyperparameters;
  const num = (v: unknown, fallback: number): number => (typeof v === 'number' ? v : fallback);
  const lora = request.lora === false ? false : { ...TRAINER_DEFAULTS.lora, ...(request.lora ?? {}) };
  if (lora && request.lora && request.lora.alpha === undefined && request.lora.rank !== undefined) lora.alpha = request.lora.rank * 2;
  // `command` (tunefile local-train) takes the local trainer's own rate, times the multiplier.
  const rate = kind === 'command' ? BASE_LEARNING_RATE : lora ? TRAINER_DEFAULTS.learning_rate_lora : TRAINER_DEFAULTS.learning_rate_full;
  const multiplier = num(h.learning_rate_multiplier, 1);
  return {
    base_model: baseModel,
    n_epochs: num(h.n_epochs, TRAINER_DEFAULTS.n_epochs),
    batch_size: num(h.batch_size, TRAINER_DEFAULTS.batch_size),
    learning_rate: request.learning_rate ?? rate * multiplier,
    seed: request.seed ?? TRAINER_DEFAULTS.seed,
    max_length: request.context_length ?? TRAINER_DEFAULTS.max_length,
    lora: kind === 'command' ? false : lora,
    extra: request.extra ?? {},
  };
}
