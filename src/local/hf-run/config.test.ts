// The local-train config: HF key names, defaults, every problem at once with its line and a did-you-mean.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TunefileError, exitCodeFor } from '../../errors.ts';
import { tempDir } from '../../../test/helpers/temp.ts';
import { readLocalTrainConfig } from './config.ts';

function problemOf(dir: string, name: string, text: string): TunefileError {
  writeFileSync(join(dir, name), text);
  try {
    readLocalTrainConfig(name, dir);
  } catch (error) {
    return error as TunefileError;
  }
  throw new Error('no error');
}

describe('readLocalTrainConfig', () => {
  it('applies defaults and resolves paths against the working folder (JSON)', () => {
    const dir = tempDir('tunefile-lt-config-');
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ model_name_or_path: 'gpt-4o-mini', train_file: 'd/train.jsonl', output_dir: 'out', resume_from_checkpoint: true }));
    const { file, ...config } = readLocalTrainConfig('c.json', dir);
    expect(file).toBe(join(dir, 'c.json'));
    expect(config).toEqual({
      model_name_or_path: 'gpt-4o-mini', train_file: join(dir, 'd/train.jsonl'), output_dir: join(dir, 'out'), num_train_epochs: 3,
      per_device_train_batch_size: 8, learning_rate: 0.2, seed: 42, logging_steps: 10, save_strategy: 'epoch', save_steps: 500,
      save_total_limit: null, resume_from_checkpoint: true,
    });
  });

  it('reads YAML, and a checkpoint folder for resume_from_checkpoint', () => {
    const dir = tempDir('tunefile-lt-config-');
    writeFileSync(join(dir, 'c.yaml'), 'model_name_or_path: x\ntrain_file: t.jsonl\nvalidation_file: v.jsonl\noutput_dir: o\nsave_strategy: steps\nsave_steps: 0.25\nresume_from_checkpoint: o/checkpoint-4\n');
    const config = readLocalTrainConfig('c.yaml', dir);
    expect([config.validation_file, config.save_strategy, config.save_steps, config.resume_from_checkpoint]).toEqual([join(dir, 'v.jsonl'), 'steps', 0.25, join(dir, 'o/checkpoint-4')]);
  });

  it('reports every problem with file:line:col, and a did-you-mean for unknown keys (exit 2)', () => {
    const dir = tempDir('tunefile-lt-config-');
    const error = problemOf(dir, 'c.yaml', 'model_name_or_path: x\ntrain_file: t.jsonl\nnum_train_epoch: 2\nper_device_train_batch_size: 0\nnum_train_epochs: 1.5\n');
    expect(exitCodeFor(error)).toBe(2);
    expect(error.details).toEqual([
      "c.yaml:3:1 unknown key 'num_train_epoch'; did you mean 'num_train_epochs'?",
      'c.yaml:4:30 per_device_train_batch_size: must be a whole number >= 1 (got 0)',
      'c.yaml:5:19 num_train_epochs: must be a whole number >= 1 (the local trainer trains whole epochs) (got 1.5)',
      'c.yaml: output_dir is required',
    ]);
    const one = problemOf(dir, 'd.json', '{"model_name_or_path": "x", "train_file": "t", "output_dir": "o", "loging_steps": 5}');
    expect(one.message).toBe("d.json:1:67 unknown key 'loging_steps'; did you mean 'logging_steps'?");
    expect(problemOf(dir, 'e.json', '[1, 2]').message).toMatch(/must be a mapping/);
    expect(exitCodeFor(problemOf(dir, 'f.json', '{"a": '))).toBe(2);
  });
});
