// Trainer logs as tunefile's result CSV, read back by the report's own parser.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/temp.ts';
import { DataError } from '../../errors.ts';
import { parseResultsCsv } from '../../report/results-csv.ts';
import { RESULTS_HEADER } from '../types.ts';
import { resultsCsv } from './metrics.ts';

/** A trainer_state.json as Hugging Face Trainer writes it (Python's json: NaN bare). */
function state(logHistory: string[]): string {
  return `{\n  "epoch": 2.0,\n  "global_step": 4,\n  "log_history": [\n    ${logHistory.join(',\n    ')}\n  ],\n  "logging_steps": 1\n}\n`;
}

/** TRL's SFTTrainer, 2 epochs of 2 steps, logging every step, evaluating each epoch. */
const TRL_LOG = [
  '{"entropy": 2.1, "epoch": 0.5, "grad_norm": 3.2, "learning_rate": 0.0002, "loss": 2.3456, "mean_token_accuracy": 0.51, "num_tokens": 512.0, "step": 1}',
  '{"entropy": 2.0, "epoch": 1.0, "grad_norm": 2.9, "learning_rate": 0.00015, "loss": 2.1, "mean_token_accuracy": 0.53, "num_tokens": 1024.0, "step": 2}',
  '{"epoch": 1.0, "eval_entropy": 2.0, "eval_loss": 2.05, "eval_mean_token_accuracy": 0.55, "eval_runtime": 0.5, "eval_samples_per_second": 8.0, "step": 2}',
  '{"epoch": 1.5, "grad_norm": NaN, "learning_rate": 0.0001, "loss": NaN, "mean_token_accuracy": 0.6, "step": 3}',
  '{"epoch": 2.0, "grad_norm": 2.5, "learning_rate": 5e-05, "loss": 1.7, "mean_token_accuracy": 0.62, "step": 4}',
  '{"epoch": 2.0, "eval_loss": 1.8, "eval_mean_token_accuracy": 0.6, "step": 4}',
  '{"epoch": 2.0, "step": 4, "total_flos": 1234.0, "train_loss": 1.9, "train_runtime": 10.0}',
];

describe('resultsCsv', () => {
  it("turns a final trainer_state.json's log history into one row per step, train and eval of a step merged", () => {
    const out = tempDir();
    writeFileSync(join(out, 'trainer_state.json'), state(TRL_LOG));
    expect(resultsCsv(out)).toBe(`${RESULTS_HEADER}1,2.3456,0.51,,\n2,2.1,0.53,2.05,0.55\n3,,0.6,,\n4,1.7,0.62,1.8,0.6\n`);
  });

  it("reads the newest complete checkpoint's state when the run left no final one (axolotl, trl sft, a killed run)", () => {
    const out = tempDir();
    mkdirSync(join(out, 'checkpoint-2'), { recursive: true });
    mkdirSync(join(out, 'checkpoint-4'), { recursive: true });
    mkdirSync(join(out, 'checkpoint-6'), { recursive: true });
    writeFileSync(join(out, 'checkpoint-2', 'trainer_state.json'), state(TRL_LOG.slice(0, 3)));
    writeFileSync(join(out, 'checkpoint-4', 'trainer_state.json'), state(TRL_LOG.slice(0, 6)));
    writeFileSync(join(out, 'checkpoint-6', 'trainer_state.json'), '{"log_his');
    expect(parseResultsCsv(resultsCsv(out)).map((row) => row.step)).toEqual([1, 2, 3, 4]);
  });

  it("reads LLaMA-Factory's trainer_log.jsonl (a resumed run's repeated steps: the later wins; a torn last line skipped)", () => {
    const out = tempDir();
    const lines = [
      '{"current_steps": 1, "total_steps": 4, "loss": 2.3, "lr": 0.0002, "epoch": 0.5, "percentage": 25.0, "elapsed_time": "0:00:01", "remaining_time": "0:00:03"}',
      '{"current_steps": 2, "total_steps": 4, "loss": 2.2, "lr": 0.00015, "epoch": 1.0, "percentage": 50.0}',
      '{"current_steps": 2, "total_steps": 4, "eval_loss": 2.0, "epoch": 1.0, "percentage": 50.0}',
      '{"current_steps": 3, "total_steps": 4, "loss": 9.9, "epoch": 1.5}',
      '{"current_steps": 3, "total_steps": 4, "loss": 1.9, "epoch": 1.5}',
      '{"current_steps": 4, "total_st',
    ];
    writeFileSync(join(out, 'trainer_log.jsonl'), lines.join('\n'));
    expect(resultsCsv(out)).toBe(`${RESULTS_HEADER}1,2.3,,,\n2,2.2,,2,\n3,1.9,,,\n`);
  });

  it('draws the same curves from the trainer_state.json and the trainer_log.jsonl of one LLaMA-Factory run', () => {
    const [fromState, fromLog] = [tempDir(), tempDir()];
    writeFileSync(join(fromState, 'trainer_state.json'), state(['{"epoch": 0.5, "loss": 2.3, "step": 1}', '{"epoch": 1.0, "loss": 2.2, "step": 2}', '{"epoch": 1.0, "eval_loss": 2.0, "step": 2}']));
    writeFileSync(join(fromLog, 'trainer_log.jsonl'), ['{"current_steps": 1, "loss": 2.3, "epoch": 0.5}', '{"current_steps": 2, "loss": 2.2, "epoch": 1.0}', '{"current_steps": 2, "eval_loss": 2.0, "epoch": 1.0}', ''].join('\n'));
    expect(parseResultsCsv(resultsCsv(fromState))).toEqual(parseResultsCsv(resultsCsv(fromLog)));
    expect(parseResultsCsv(resultsCsv(fromState))).toEqual([
      { step: 1, train_loss: 2.3, train_accuracy: null, valid_loss: null, valid_mean_token_accuracy: null },
      { step: 2, train_loss: 2.2, train_accuracy: null, valid_loss: 2, valid_mean_token_accuracy: null },
    ]);
  });

  it('is only the header for a run that logged nothing, and names a log that is not JSON', () => {
    const out = tempDir();
    expect(resultsCsv(out)).toBe(RESULTS_HEADER);
    expect(resultsCsv(join(out, 'missing'))).toBe(RESULTS_HEADER);
    writeFileSync(join(out, 'trainer_state.json'), '{"log_history": [');
    expect(() => resultsCsv(out)).toThrow(DataError);
    expect(() => resultsCsv(out)).toThrow(/trainer_state\.json: not JSON/);
  });
});
