// The real Axolotl (`axolotl train`, 0.19.0) fine-tunes the tiny Qwen3 with LoRA on CPU, dies by SIGKILL after its
// first checkpoint and resumes from it to the end. Skipped where setup.sh could not make its venv.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { tempDir } from '../helpers/temp.ts';
import { makeTinyModel, mkdirp, readTrainerState, smsChatJsonl, trainerEnv, trainKilledAndResumed, venvBin, venvBins } from './helpers.ts';

const MAX_STEPS = 6;
const SAVE_STEPS = 2;
const hasVenv = venvBins().axolotl !== undefined;

let root: string;
let model: string;

beforeAll(() => {
  if (!hasVenv) return;
  root = tempDir('tunefile-trainers-axolotl-');
  model = makeTinyModel(join(root, 'model'));
  writeFileSync(join(mkdirp(join(root, 'data')), 'train.jsonl'), smsChatJsonl(48));
});

/** A config as tunefile renders one for `axolotl train`, shrunk to seconds on CPU. */
function axolotlConfig(resumeFrom?: string): Record<string, unknown> {
  return {
    base_model: model,
    datasets: [{ path: join(root, 'data', 'train.jsonl'), ds_type: 'json', type: 'chat_template', field_messages: 'messages' }],
    dataset_prepared_path: join(root, 'cache', 'axolotl-prepared'),
    output_dir: join(root, 'output'),
    sequence_len: 128,
    adapter: 'lora',
    lora_r: 8,
    lora_alpha: 16,
    lora_target_modules: ['q_proj', 'v_proj'],
    micro_batch_size: 4,
    gradient_accumulation_steps: 1,
    max_steps: MAX_STEPS,
    save_steps: SAVE_STEPS,
    learning_rate: 0.001,
    optimizer: 'adamw_torch',
    logging_steps: 1,
    seed: 0,
    ...(resumeFrom === undefined ? {} : { resume_from_checkpoint: resumeFrom }),
  };
}

test.skipIf(!hasVenv)('axolotl train checkpoints, dies by SIGKILL after its first checkpoint, and resumes from it to the end', async () => {
  const bin = venvBin('axolotl');
  const out = join(root, 'output');
  const { firstCheckpoint, resumedFrom, log } = await trainKilledAndResumed({
    command: join(bin, 'axolotl'),
    args: (config) => ['train', config],
    writeConfig: (resumeFrom) => {
      const path = join(root, resumeFrom === undefined ? 'axolotl.yaml' : 'axolotl-resume.yaml');
      writeFileSync(path, stringify(axolotlConfig(resumeFrom)));
      return path;
    },
    outputDir: out,
    root,
    // axolotl train execs `accelerate launch` found on PATH.
    env: trainerEnv(root, { PATH: `${bin}:${process.env.PATH}` }),
  });
  expect(firstCheckpoint.step).toBe(SAVE_STEPS);
  expect(resumedFrom.step).toBeLessThan(MAX_STEPS);
  // Axolotl logs transformers at warning level, so no "Resuming training ..." line: its progress bar shows where the
  // rerun began instead (the first step it counted past 0).
  const barSteps = [...log.matchAll(new RegExp(`(\\d+)/${MAX_STEPS} \\[`, 'g'))].map((m) => Number(m[1])).filter((n) => n > 0);
  expect(Math.min(...barSteps)).toBe(resumedFrom.step + 1);
  const final = readTrainerState(join(out, `checkpoint-${MAX_STEPS}`, 'trainer_state.json'));
  expect(final.global_step).toBe(MAX_STEPS);
  const lossSteps = final.log_history.filter((e) => e.loss !== undefined).map((e) => e.step);
  expect(lossSteps).toEqual(Array.from({ length: MAX_STEPS }, (_, i) => i + 1));
  expect(existsSync(join(out, 'adapter_model.safetensors'))).toBe(true);
}, 600_000);
