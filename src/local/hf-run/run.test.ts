// local-train in-process: step checkpoints mid-epoch, rotation, an interrupted run resumed to the uninterrupted
// run's bytes, HF's trainer_state.json, and a checkpoint of another run refused.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TunefileError } from '../../errors.ts';
import { tempDir } from '../../../test/helpers/temp.ts';
import type { LocalTrainConfig } from './config.ts';
import { readModelFolder } from './model-folder.ts';
import { runLocalTrain } from './run.ts';

const WORDS = { ' good': ['great', 'lovely', 'superb'], ' bad': ['awful', 'broken', 'terrible'], ' meh': ['okay', 'average', 'fine'] };

/** 60 prompt/completion lines: the class shows in one word among shared ones. */
function writeData(dir: string): string {
  const lines = Array.from({ length: 60 }, (_, i) => {
    const [label, words] = Object.entries(WORDS)[i % 3]!;
    return JSON.stringify({ prompt: `the parcel number ${i} was ${words[i % 3]} today`, completion: label });
  });
  writeFileSync(join(dir, 'train.jsonl'), lines.join('\n') + '\n');
  return join(dir, 'train.jsonl');
}

function configFor(dir: string, out: string, extra: Partial<LocalTrainConfig> = {}): LocalTrainConfig {
  return {
    file: join(dir, 'c.json'), model_name_or_path: 'babbage-002', train_file: join(dir, 'train.jsonl'), validation_file: join(dir, 'train.jsonl'),
    output_dir: join(dir, out), num_train_epochs: 2, per_device_train_batch_size: 4, learning_rate: 0.05, seed: 3, logging_steps: 5,
    save_strategy: 'steps', save_steps: 7, save_total_limit: 2, ...extra,
  };
}

/** Runs local-train; `stopAt` aborts the run once the checkpoint of that step is saved. */
async function train(config: LocalTrainConfig, stopAt?: number): Promise<{ lines: string[]; error?: TunefileError }> {
  const lines: string[] = [];
  const controller = new AbortController();
  let clock = 0;
  try {
    await runLocalTrain({
      config,
      out: (line) => {
        lines.push(line);
        if (stopAt !== undefined && line.endsWith(`checkpoint-${stopAt}`)) controller.abort(new TunefileError('TUNEFILE_INTERRUPTED', 'interrupted by SIGTERM'));
      },
      log: () => {},
      signal: controller.signal,
      now: () => (clock += 500),
    });
    return { lines };
  } catch (error) {
    return { lines, error: error as TunefileError };
  }
}

describe('runLocalTrain', () => {
  it('stopped after a mid-epoch checkpoint and resumed from it, ends byte for byte like an uninterrupted run', async () => {
    const dir = tempDir('tunefile-local-train-');
    writeData(dir);
    const straight = await train(configFor(dir, 'a'));
    expect(straight.error).toBeUndefined();
    // 15 steps an epoch, saves every 7 and at the end; save_total_limit 2 keeps the newest two.
    expect(readdirSync(join(dir, 'a')).filter((n) => n.startsWith('checkpoint-')).sort()).toEqual(['checkpoint-28', 'checkpoint-30']);
    expect(straight.lines.filter((l) => l.startsWith('Deleting'))).toHaveLength(3);
    expect(straight.lines.find((l) => l.startsWith("{'loss'"))).toMatch(/^\{'loss': \d\.\d{1,4}, 'learning_rate': 0\.05, 'mean_token_accuracy': [\d.]+, 'epoch': 0\.33\}$/);
    expect(straight.lines.filter((l) => l.startsWith("{'eval_loss'"))).toHaveLength(2);

    const stopped = await train(configFor(dir, 'b'), 21);
    expect(stopped.error?.code).toBe('TUNEFILE_INTERRUPTED');
    expect(stopped.error?.message).toMatch(/before global step 22; the newest checkpoint is .*checkpoint-21 \(global step 21\)/);
    expect(readdirSync(join(dir, 'b')).sort()).toEqual(['checkpoint-14', 'checkpoint-21']);
    const resumed = await train(configFor(dir, 'b', { resume_from_checkpoint: true }));
    expect(resumed.error).toBeUndefined();
    expect(resumed.lines).toContain('  Continuing training from global step 21');
    expect(resumed.lines).toContain('  Will skip the first 1 epochs then the first 6 batches in the first epoch.');
    expect(resumed.lines.some((l) => /\| (1|21)\/30$/.test(l))).toBe(false);
    expect(readFileSync(join(dir, 'b', 'model.safetensors')).equals(readFileSync(join(dir, 'a', 'model.safetensors')))).toBe(true);

    const state = (name: string) => JSON.parse(readFileSync(join(dir, name, 'trainer_state.json'), 'utf8'));
    const [a, b] = [state('a'), state('b')];
    expect(b.log_history.slice(0, -1)).toEqual(a.log_history.slice(0, -1));
    expect(a).toMatchObject({ global_step: 30, max_steps: 30, num_train_epochs: 2, epoch: 2, logging_steps: 5, save_steps: 7, train_batch_size: 4, best_metric: null, best_model_checkpoint: null });
    expect(a.log_history[0]).toEqual({ loss: expect.any(Number), learning_rate: 0.05, mean_token_accuracy: expect.any(Number), epoch: 5 / 15, step: 5 });
    expect(a.log_history.find((e: { eval_loss?: number }) => e.eval_loss !== undefined)).toEqual({ eval_loss: expect.any(Number), eval_mean_token_accuracy: expect.any(Number), epoch: 1, step: 15 });
    expect(Object.keys(a.log_history.at(-1)).sort()).toEqual(['epoch', 'step', 'total_flos', 'train_loss', 'train_runtime', 'train_samples_per_second', 'train_steps_per_second']);
    expect(state('a/checkpoint-28').global_step).toBe(28);
    for (const name of ['config.json', 'train_results.json', 'eval_results.json', 'all_results.json', 'training_args.json']) expect(existsSync(join(dir, 'a', name))).toBe(true);
    const { meta } = readModelFolder(join(dir, 'a'));
    expect(meta.classes).toEqual([' bad', ' good', ' meh']);
    expect(meta.encoding).toBe('cl100k_base');
  });

  it('refuses a checkpoint written with other settings, naming them', async () => {
    const dir = tempDir('tunefile-local-train-');
    writeData(dir);
    await train(configFor(dir, 'c', { num_train_epochs: 1, save_strategy: 'epoch' }));
    const { error } = await train(configFor(dir, 'c', { num_train_epochs: 1, save_strategy: 'epoch', seed: 4, resume_from_checkpoint: join(dir, 'c', 'checkpoint-15') }));
    expect(error?.code).toBe('TUNEFILE_DATA');
    expect(error?.message).toMatch(/cannot resume from .*checkpoint-15: .*\(seed 3 -> 4\)/);
  });
});
