// Model files and checkpoints on disk: what the trainer writes and the server loads to answer completions.
import type { DatasetFormat } from '../dataset.ts';
import type { EncodingName } from '../../tokens/encoding.ts';
import type { Weights } from './model.ts';
import { readTensorFile, writeTensorFile } from './tensor-file.ts';
import type { TrainConfig, TrainState } from './train.ts';

/** What a model file says about the classifier it holds. */
export interface ModelMeta {
  kind: 'tunefile-local-classifier';
  version: 1;
  baseModel: string;
  encoding: EncodingName;
  format: DatasetFormat;
  dim: number;
  /** Class labels (the completions), index = class id. */
  classes: string[];
}

/**
 * The generator a checkpoint's `prng` state belongs to. A checkpoint of another generator (one written before the
 * trainer shuffled with shared/prng.ts) is not resumed: the job restarts, so its result stays the uninterrupted one.
 */
const SHUFFLE = 'xoshiro128**';

interface CheckpointMeta {
  shuffle?: typeof SHUFFLE;
  model: ModelMeta;
  config: TrainConfig;
  epoch: number;
  step: number;
  t: number;
}

/** Saves the final model: its meta and weights. */
export function writeModelFile(path: string, meta: ModelMeta, weights: Weights): void {
  writeTensorFile(path, meta, { W: weights.W, b: weights.b });
}

/** Loads a model file or a checkpoint (both hold W and b) for inference. */
export function readModelFile(path: string): { meta: ModelMeta; weights: Weights } {
  const { meta, arrays } = readTensorFile<ModelMeta | CheckpointMeta>(path);
  const model = 'model' in meta ? meta.model : meta;
  const W = arrays.W as Float32Array;
  const b = arrays.b as Float32Array;
  return { meta: model, weights: { dim: model.dim, numClasses: model.classes.length, W, b } };
}

/** Saves the whole training state, so a resumed run continues bit for bit. */
export function writeCheckpoint(path: string, model: ModelMeta, config: TrainConfig, state: TrainState): void {
  const meta: CheckpointMeta = { shuffle: SHUFFLE, model, config, epoch: state.epoch, step: state.step, t: state.t };
  writeTensorFile(path, meta, {
    W: state.weights.W,
    b: state.weights.b,
    mW: state.mW,
    vW: state.vW,
    mb: state.mb,
    vb: state.vb,
    prng: state.prng,
    epochPrng: state.epochPrng,
    stepMetrics: state.stepMetrics,
    epochMetrics: state.epochMetrics,
  });
}

/** Loads a checkpoint; undefined when it was made for a different configuration or classes. */
export function readCheckpoint(path: string, model: ModelMeta, config: TrainConfig): TrainState | undefined {
  const { meta, arrays } = readTensorFile<CheckpointMeta>(path);
  if (meta.shuffle !== SHUFFLE) return undefined;
  if (JSON.stringify(meta.config) !== JSON.stringify(config) || JSON.stringify(meta.model) !== JSON.stringify(model)) return undefined;
  return {
    epoch: meta.epoch,
    step: meta.step,
    t: meta.t,
    weights: { dim: config.dim, numClasses: config.numClasses, W: arrays.W as Float32Array, b: arrays.b as Float32Array },
    mW: arrays.mW as Float32Array,
    vW: arrays.vW as Float32Array,
    mb: arrays.mb as Float32Array,
    vb: arrays.vb as Float32Array,
    prng: arrays.prng as Uint32Array,
    // Checkpoints from before runs stopped mid-epoch lie on an epoch's end, where the next epoch starts from `prng`.
    epochPrng: (arrays.epochPrng as Uint32Array | undefined) ?? (arrays.prng as Uint32Array).slice(),
    stepMetrics: arrays.stepMetrics as Float64Array,
    epochMetrics: arrays.epochMetrics as Float64Array,
  };
}
