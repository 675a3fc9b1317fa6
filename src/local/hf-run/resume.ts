// resume_from_checkpoint: which checkpoint folder to continue from, and its training state, refused (with the keys
// that differ) when it was written by a run with other settings or data, since then it could not continue exactly.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TunefileError } from '../../errors.ts';
import { readJsonIfExists } from '../json-records.ts';
import { readCheckpoint, type ModelMeta } from '../trainer/model-file.ts';
import type { TrainConfig, TrainState } from '../trainer/train.ts';
import { listCheckpoints, TRAINING_ARGS_FILE, TRAINING_STATE_FILE } from './output-dir.ts';

/** The training arguments that decide the weights: a checkpoint continues only a run with the same ones. */
export interface TrainingIdentity {
  model_name_or_path: string;
  num_train_epochs: number;
  per_device_train_batch_size: number;
  learning_rate: number;
  seed: number;
  train_file_sha256: string;
  validation_file_sha256: string | null;
}

/** The checkpoint folder `resume` names: itself, or (true) the newest complete one in `outputDir`. */
export function findCheckpoint(resume: string | true, outputDir: string): string {
  if (resume !== true) {
    if (!existsSync(join(resume, TRAINING_STATE_FILE))) {
      throw new TunefileError('TUNEFILE_NOT_FOUND', `resume_from_checkpoint: ${resume} is not a checkpoint folder (it has no ${TRAINING_STATE_FILE})`, {
        hint: `name a checkpoint-<step> folder that local-train wrote, or use resume_from_checkpoint: true for the newest in output_dir`,
      });
    }
    return resume;
  }
  const newest = listCheckpoints(outputDir).at(-1);
  if (!newest) {
    throw new TunefileError('TUNEFILE_NOT_FOUND', `resume_from_checkpoint: true, but there is no valid checkpoint in output_dir ${outputDir}`, {
      hint: 'remove resume_from_checkpoint to start from scratch',
    });
  }
  return newest.path;
}

/** The checkpoint's training state; an error naming what differs when it belongs to another run. */
export function loadCheckpoint(dir: string, model: ModelMeta, config: TrainConfig, identity: TrainingIdentity): TrainState {
  const saved = readJsonIfExists<Partial<TrainingIdentity>>(join(dir, TRAINING_ARGS_FILE)) ?? {};
  const differs = (Object.keys(identity) as (keyof TrainingIdentity)[]).filter((k) => saved[k] !== identity[k]);
  const state = differs.length === 0 ? readCheckpoint(join(dir, TRAINING_STATE_FILE), model, config) : undefined;
  if (state) return state;
  const why = differs.length > 0
    ? differs.map((k) => `${k} ${JSON.stringify(saved[k] ?? null)} -> ${JSON.stringify(identity[k])}`).join(', ')
    : 'its model or training settings are not this run\'s';
  throw new TunefileError('TUNEFILE_DATA', `cannot resume from ${dir}: it was written by a run with other settings or data (${why})`, {
    hint: 'resuming continues exactly the run that wrote the checkpoint; give the same config and data, or start from scratch without resume_from_checkpoint',
  });
}
