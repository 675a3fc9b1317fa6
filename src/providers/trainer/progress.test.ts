// The progress a trainer prints, the checkpoint a killed run resumes from, and the files of the trained model.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/temp.ts';
import { artifactFiles, lastCheckpoint, parseProgressLine } from './progress.ts';

describe('parseProgressLine', () => {
  it("reads a tqdm training bar's step and total, from the last carriage-return segment", () => {
    expect(parseProgressLine('  12%|█▏        | 6/50 [00:01<00:08,  5.1it/s]')).toEqual({ step: 6, total: 50 });
    expect(parseProgressLine('\r  2%|▏         | 1/50 [00:00<?, ?it/s]\r  4%|▍         | 2/50 [00:01<00:30,  1.6it/s]\r')).toEqual({ step: 2, total: 50 });
    expect(parseProgressLine('\x1b[A100%|██████████| 50/50 [00:10<00:00,  4.9it/s]')).toEqual({ step: 50, total: 50 });
  });

  it('ignores bars with a description: dataset mapping, checkpoint shards, tokenizing', () => {
    expect(parseProgressLine('Map: 100%|██████████| 100/100 [00:00<00:00, 5000.00 examples/s]')).toBeUndefined();
    expect(parseProgressLine('Loading checkpoint shards: 100%|██████████| 2/2 [00:01<00:00,  1.5it/s]')).toBeUndefined();
    expect(parseProgressLine('Running tokenizer on dataset (num_proc=16):  50%|█████     | 500/1000 [00:01<00:01, 400.00 examples/s]')).toBeUndefined();
  });

  it("reads the loss and epoch of a Hugging Face log dict, as numbers or as transformers 5's formatted strings", () => {
    expect(parseProgressLine("{'loss': 0.6931, 'grad_norm': 1.2, 'learning_rate': 0.001, 'epoch': 0.5}")).toEqual({ loss: 0.6931, epoch: 0.5 });
    expect(parseProgressLine("{'loss': '0.6931', 'grad_norm': '1.2', 'learning_rate': '1e-05', 'epoch': '0.5'}")).toEqual({ loss: 0.6931, epoch: 0.5 });
    expect(parseProgressLine("{'loss': 0.25, 'grad_norm': np.float64(0.9), 'learning_rate': 1e-05, 'epoch': 1}")).toEqual({ loss: 0.25, epoch: 1 });
    expect(parseProgressLine("\r 10%|█         | 5/50 [00:02<00:20, 2.2it/s]\r{'loss': 0.5, 'epoch': 0.1}")).toEqual({ loss: 0.5, epoch: 0.1 });
  });

  it("takes no loss from an evaluation's or the summary's dict, nor a NaN", () => {
    expect(parseProgressLine("{'eval_loss': 0.61, 'eval_runtime': 0.3, 'epoch': 1.0}")).toEqual({ epoch: 1 });
    expect(parseProgressLine("{'train_runtime': 10.0, 'train_loss': 0.5, 'epoch': 2.0}")).toEqual({ epoch: 2 });
    expect(parseProgressLine("{'loss': 'nan', 'epoch': '0.5'}")).toEqual({ epoch: 0.5 });
  });

  it("reads LLaMA-Factory's logger lines: its log dict, the total steps, a checkpoint's step", () => {
    expect(parseProgressLine("[INFO|callbacks.py:310] 2025-05-01 10:00:00,000 >> {'loss': 0.6931, 'learning_rate': 1.0000e-04, 'epoch': 0.50, 'throughput': 1234.56}")).toEqual({ loss: 0.6931, epoch: 0.5 });
    expect(parseProgressLine('[INFO|trainer.py:2414] 2025-05-01 10:00:00,000 >>   Total optimization steps = 1,250')).toEqual({ total: 1250 });
    expect(parseProgressLine('[INFO|trainer.py:3984] 2025-05-01 10:00:00,000 >> Saving model checkpoint to saves/qwen3/checkpoint-500')).toEqual({ step: 500 });
  });

  it('finds nothing in other lines', () => {
    for (const line of ['', '\r', '***** Running training *****', '[INFO|trainer.py:2410] >>   Num examples = 1,000', "{'a': 'b'}"]) expect(parseProgressLine(line)).toBeUndefined();
  });
});

/** Writes `files` (relative path -> text) below `root`. */
function writeTree(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

describe('lastCheckpoint', () => {
  it('picks the highest-numbered checkpoint whose trainer_state.json parses', () => {
    const out = tempDir();
    writeTree(out, {
      'checkpoint-9/trainer_state.json': '{"global_step": 9}',
      'checkpoint-10/trainer_state.json': '{"global_step": 10, "log_history": [{"loss": NaN, "step": 10}]}',
      'checkpoint-15/adapter_model.safetensors': 'weights, no state yet',
      'checkpoint-20/trainer_state.json': '{"global_step": 20, "log_hist',
      'checkpoint-x/trainer_state.json': '{}',
      'checkpoint-30': 'a file, not a folder',
    });
    expect(lastCheckpoint(out)).toBe(join(out, 'checkpoint-10'));
  });

  it('finds none in a missing or empty output folder', () => {
    const out = tempDir();
    expect(lastCheckpoint(out)).toBeUndefined();
    expect(lastCheckpoint(join(out, 'not-yet'))).toBeUndefined();
  });
});

describe('artifactFiles', () => {
  it('lists the model and adapter files, without checkpoints, runs/, logs and metric summaries', () => {
    const out = tempDir();
    writeTree(out, {
      'adapter_config.json': '{}',
      'adapter_model.safetensors': 'w',
      'tokenizer.json': '{}',
      'README.md': 'card',
      'training_args.bin': 'args',
      'merged/model.safetensors': 'w',
      'trainer_state.json': '{}',
      'trainer_log.jsonl': '',
      'all_results.json': '{}',
      'train_results.json': '{}',
      'training_loss.png': 'png',
      'debug.log': '',
      'runs/May01/events.out.tfevents.1': '',
      'checkpoint-10/adapter_model.safetensors': 'w',
      'tmp-checkpoint-12/adapter_model.safetensors': 'w',
      '.adapter_model.safetensors.123.tmp': '',
    });
    symlinkSync(join(out, 'tokenizer.json'), join(out, 'link.json'));
    expect(artifactFiles(out)).toEqual(['README.md', 'adapter_config.json', 'adapter_model.safetensors', 'merged/model.safetensors', 'tokenizer.json']);
    expect(artifactFiles(join(out, 'missing'))).toEqual([]);
  });
});
