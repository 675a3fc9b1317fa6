// The real TRL (`trl sft --config`) trains the tiny Qwen3 on CPU, is killed with SIGKILL right after its first
// checkpoint, and a rerun with resume_from_checkpoint continues from that checkpoint's step to the end.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { tempDir } from '../helpers/temp.ts';
import { makeTinyModel, mkdirp, readTrainerState, smsChatJsonl, trainerEnv, trainKilledAndResumed, venvBin } from './helpers.ts';

const MAX_STEPS = 8;
const SAVE_STEPS = 2;

let root: string;
let model: string;

beforeAll(() => {
  root = tempDir('tunefile-trainers-trl-');
  model = makeTinyModel(join(root, 'model'));
  writeFileSync(join(mkdirp(join(root, 'data')), 'train.jsonl'), smsChatJsonl(48));
});

/** A config as tunefile renders one for `trl sft`, shrunk to seconds on CPU. */
function trlConfig(outputDir: string, resumeFrom?: string): Record<string, unknown> {
  return {
    model_name_or_path: model,
    dataset_name: join(root, 'data'),
    output_dir: outputDir,
    use_cpu: true,
    max_steps: MAX_STEPS,
    per_device_train_batch_size: 4,
    learning_rate: 0.001,
    max_length: 128,
    assistant_only_loss: true,
    save_strategy: 'steps',
    save_steps: SAVE_STEPS,
    logging_steps: 1,
    log_level: 'info', // transformers logs "Resuming training from checkpoint ..." at info
    seed: 0,
    report_to: 'none',
    dataloader_num_workers: 0,
    ...(resumeFrom === undefined ? {} : { resume_from_checkpoint: resumeFrom }),
    env: { HF_DATASETS_CACHE: join(root, 'cache', 'hf-datasets') },
  };
}

test('trl sft checkpoints, dies by SIGKILL after its first checkpoint, and resumes from it to the end', async () => {
  const out = join(root, 'output');
  const { firstCheckpoint, resumedFrom, log } = await trainKilledAndResumed({
    command: join(venvBin('trl'), 'trl'),
    args: (config) => ['sft', '--config', config],
    writeConfig: (resumeFrom) => {
      const path = join(root, resumeFrom === undefined ? 'trl.yaml' : 'trl-resume.yaml');
      writeFileSync(path, stringify(trlConfig(out, resumeFrom)));
      return path;
    },
    outputDir: out,
    root,
    env: trainerEnv(root),
  });
  expect(firstCheckpoint.step).toBe(SAVE_STEPS);
  expect(resumedFrom.step).toBeLessThan(MAX_STEPS); // killed mid-training
  expect(readTrainerState(join(resumedFrom.dir, 'trainer_state.json')).global_step).toBe(resumedFrom.step);
  expect(log).toContain(`Resuming training from checkpoint with epoch 0 and global step ${resumedFrom.step}`);
  const final = readTrainerState(join(out, `checkpoint-${MAX_STEPS}`, 'trainer_state.json'));
  expect(final.global_step).toBe(MAX_STEPS);
  // Steps 1..resumedFrom.step come from the restored state, the rest from the rerun: each step logged once, none redone.
  const lossSteps = final.log_history.filter((e) => e.loss !== undefined).map((e) => e.step);
  expect(lossSteps).toEqual(Array.from({ length: MAX_STEPS }, (_, i) => i + 1));
  expect(existsSync(join(out, 'model.safetensors'))).toBe(true);
}, 600_000);
