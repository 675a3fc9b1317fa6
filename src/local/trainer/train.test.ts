import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { featurize, packRows } from './features.ts';
import { autoBatchSize, resolveHyperparameters } from './hyperparameters.ts';
import { readCheckpoint, writeCheckpoint, type ModelMeta } from './model-file.ts';
import { readTensorFile, writeTensorFile } from './tensor-file.ts';
import { createScratch, createTrainState, runEpoch, type TrainConfig, type TrainData } from './train.ts';
import { tempDir } from '../../../test/helpers/temp.ts';

/** Two classes told apart by token 7 (class 1) or 9 (class 0), with shared noise tokens. */
function toyData(n: number): TrainData {
  const rows = [];
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    rows.push(featurize([100 + (i % 5), i % 2 ? 7 : 9, 200 + (i % 3)], 1024));
  }
  return { train: packRows(rows), trainLabels: labels, valid: packRows(rows.slice(0, 10)), validLabels: labels.slice(0, 10) };
}

const config: TrainConfig = { dim: 1024, numClasses: 2, epochs: 3, batchSize: 4, learningRate: 0.05, seed: 5 };

describe('runEpoch', () => {
  it('learns a separable problem', () => {
    const data = toyData(40);
    const state = createTrainState(config, 40);
    for (let e = 0; e < 3; e++) runEpoch(state, config, data, () => {});
    expect(state.step).toBe(30);
    expect(state.epochMetrics[5]).toBe(1);
    expect(state.stepMetrics[(30 - 1) * 4]).toBeLessThan(state.stepMetrics[0]! / 2);
  });

  it('resumed from a checkpoint, ends bit for bit like an uninterrupted run', () => {
    const dir = tempDir('tunefile-ckpt-');
    const data = toyData(40);
    const meta: ModelMeta = { kind: 'tunefile-local-classifier', version: 1, baseModel: 'babbage-002', encoding: 'cl100k_base', format: 'prompt_completion', dim: 1024, classes: [' a', ' b'] };
    const straight = createTrainState(config, 40);
    for (let e = 0; e < 3; e++) runEpoch(straight, config, data, () => {});
    const first = createTrainState(config, 40);
    runEpoch(first, config, data, () => {});
    writeCheckpoint(join(dir, 'c.ckpt'), meta, config, first);
    const resumed = readCheckpoint(join(dir, 'c.ckpt'), meta, config)!;
    expect(resumed.step).toBe(10);
    runEpoch(resumed, config, data, () => {});
    runEpoch(resumed, config, data, () => {});
    expect(resumed.weights.W).toEqual(straight.weights.W);
    expect(resumed.stepMetrics).toEqual(straight.stepMetrics);
    expect(readCheckpoint(join(dir, 'c.ckpt'), meta, { ...config, seed: 6 })).toBeUndefined();
    // A checkpoint from before the trainer shuffled with shared/prng.ts (no `shuffle` field) restarts the job.
    const { meta: saved, arrays } = readTensorFile<Record<string, unknown>>(join(dir, 'c.ckpt'));
    expect(saved.shuffle).toBe('xoshiro128**');
    delete saved.shuffle;
    writeTensorFile(join(dir, 'old.ckpt'), saved, arrays);
    expect(readCheckpoint(join(dir, 'old.ckpt'), meta, config)).toBeUndefined();
  });

  it('stopped mid-epoch (until) and resumed from a checkpoint there, ends bit for bit like an uninterrupted run', () => {
    const dir = tempDir('tunefile-ckpt-');
    const data = toyData(40);
    const meta: ModelMeta = { kind: 'tunefile-local-classifier', version: 1, baseModel: 'babbage-002', encoding: 'cl100k_base', format: 'prompt_completion', dim: 1024, classes: [' a', ' b'] };
    const straight = createTrainState(config, 40);
    for (let e = 0; e < 3; e++) runEpoch(straight, config, data, () => {});
    // Epoch 2 of 3 (steps 11..20) stopped after step 13: in-process, the same scratch goes on; from disk, a fresh one.
    const stopped = createTrainState(config, 40);
    const scratch = createScratch(config, 40);
    runEpoch(stopped, config, data, () => {}, scratch);
    runEpoch(stopped, config, data, () => {}, scratch, 13);
    expect([stopped.step, stopped.epoch]).toEqual([13, 1]);
    writeCheckpoint(join(dir, 'mid.ckpt'), meta, config, stopped);
    const resumed = readCheckpoint(join(dir, 'mid.ckpt'), meta, config)!;
    while (resumed.epoch < 3) runEpoch(resumed, config, data, () => {});
    while (stopped.epoch < 3) runEpoch(stopped, config, data, () => {}, scratch);
    for (const run of [resumed, stopped]) {
      expect(run.weights.W).toEqual(straight.weights.W);
      expect(run.mW).toEqual(straight.mW);
      expect(run.stepMetrics).toEqual(straight.stepMetrics);
      expect(run.epochMetrics).toEqual(straight.epochMetrics);
    }
  });
});

describe('auto hyperparameters', () => {
  it('follow OpenAI-like rules', () => {
    // OpenAI's cookbook rule (floor), the one tokencheck estimates with: 100 // 30 = 3 passes, not ceil's 4.
    const epochs = (n: number) => resolveHyperparameters({}, n).n_epochs;
    expect([10, 30, 4000, 20_000].map(epochs)).toEqual([10, 3, 3, 1]);
    expect(resolveHyperparameters({ n_epochs: 7 }, 30).n_epochs).toBe(7);
    expect([autoBatchSize(100), autoBatchSize(4000), autoBatchSize(1_000_000)]).toEqual([1, 8, 256]);
    expect(resolveHyperparameters({ n_epochs: 'auto', batch_size: 64 }, 4000)).toEqual({ n_epochs: 3, batch_size: 64, learning_rate_multiplier: 0.2 });
  });
});
