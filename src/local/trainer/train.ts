// The training loop: mini-batch lazy Adam on softmax regression, one epoch at a time, allocation-free inside.
import type { SparseRows } from './features.ts';
import { argmax, computeProbs, createWeights, crossEntropy, type Weights } from './model.ts';
import { Xoshiro128, shuffleInPlace } from '../../shared/prng.ts';

/** Examples as sparse feature rows with class indices. */
export interface TrainData {
  train: SparseRows;
  trainLabels: Int32Array;
  valid?: SparseRows;
  validLabels?: Int32Array;
}

export interface TrainConfig {
  dim: number;
  numClasses: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

/** Per-step metrics, in this order, METRICS_PER_STEP numbers per step (NaN when there is no validation data). */
export const STEP_METRICS = ['train_loss', 'train_accuracy', 'valid_loss', 'valid_accuracy'] as const;
export const METRICS_PER_STEP = STEP_METRICS.length;

/** Everything a run needs to continue exactly where it stopped: saved whole in each checkpoint. */
export interface TrainState {
  /** Epochs and steps completed. */
  epoch: number;
  step: number;
  /** Adam's time step. */
  t: number;
  weights: Weights;
  mW: Float32Array;
  vW: Float32Array;
  mb: Float32Array;
  vb: Float32Array;
  /** The shuffle generator's state (Xoshiro128.state()), saved in checkpoints so a resumed run shuffles alike. */
  prng: Uint32Array;
  /** The generator's state before the current epoch's shuffle: a run resumed mid-epoch rebuilds that epoch's order from it. */
  epochPrng: Uint32Array;
  /** totalSteps * METRICS_PER_STEP step metrics. */
  stepMetrics: Float64Array;
  /** epochs * 2: full validation loss and accuracy at the end of each epoch. */
  epochMetrics: Float64Array;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

/** Steps in one epoch. */
export function stepsPerEpoch(config: TrainConfig, numExamples: number): number {
  return Math.ceil(numExamples / config.batchSize);
}

/** The state before the first step. */
export function createTrainState(config: TrainConfig, numExamples: number): TrainState {
  const size = config.dim * config.numClasses;
  const totalSteps = config.epochs * stepsPerEpoch(config, numExamples);
  return {
    epoch: 0,
    step: 0,
    t: 0,
    weights: createWeights(config.dim, config.numClasses),
    mW: new Float32Array(size),
    vW: new Float32Array(size),
    mb: new Float32Array(config.numClasses),
    vb: new Float32Array(config.numClasses),
    prng: new Xoshiro128(config.seed).state(),
    epochPrng: new Xoshiro128(config.seed).state(),
    stepMetrics: new Float64Array(totalSteps * METRICS_PER_STEP).fill(NaN),
    epochMetrics: new Float64Array(config.epochs * 2).fill(NaN),
  };
}

/** Reusable buffers so the loop allocates nothing. */
export interface Scratch {
  gW: Float32Array;
  gb: Float64Array;
  touched: Uint8Array;
  touchedRows: Int32Array;
  probs: Float64Array;
  order: Int32Array;
  /** The epoch (0-based) whose shuffle `order` holds; -1 before the first. */
  orderEpoch: number;
}

/** Buffers for runEpoch, made once per run. */
export function createScratch(config: TrainConfig, numExamples: number): Scratch {
  return {
    gW: new Float32Array(config.dim * config.numClasses),
    gb: new Float64Array(config.numClasses),
    touched: new Uint8Array(config.dim),
    touchedRows: new Int32Array(config.dim),
    probs: new Float64Array(config.numClasses),
    order: new Int32Array(numExamples),
    orderEpoch: -1,
  };
}

/** Fills `order` with 0..n-1 shuffled by a generator in state `prng`; returns the generator's state after. */
function shuffleOrder(prng: Uint32Array, order: Int32Array): Uint32Array {
  for (let i = 0; i < order.length; i++) order[i] = i;
  const rng = Xoshiro128.fromState(prng);
  shuffleInPlace(order, rng);
  return rng.state();
}

/**
 * Puts the current epoch's example order in `s.order`: a fresh shuffle (advancing the saved generator) when the
 * epoch starts, else, when `s` does not hold it yet (a run resumed mid-epoch), the same shuffle again from the
 * generator's state at the epoch's start.
 */
function orderEpoch(state: TrainState, s: Scratch, stepInEpoch: number): void {
  if (stepInEpoch === 0) {
    state.epochPrng.set(state.prng);
    state.prng.set(shuffleOrder(state.prng, s.order));
  } else if (s.orderEpoch !== state.epoch) {
    shuffleOrder(state.epochPrng, s.order);
  }
  s.orderEpoch = state.epoch;
}

/** Called after every step with the step number (1-based); the metrics are in state.stepMetrics. */
export type OnStep = (step: number) => void;

/**
 * Runs the current epoch (state.epoch + 1) on from where `state` stands, updating it in place: to the epoch's end
 * (then state.epoch counts it), or only through global step `until` when that comes first. Stopping and going on,
 * in this process or from a checkpoint, gives bit for bit the state of one uninterrupted call.
 */
export function runEpoch(state: TrainState, config: TrainConfig, data: TrainData, onStep: OnStep, scratch?: Scratch, until = Infinity): void {
  const n = data.trainLabels.length;
  const s = scratch ?? createScratch(config, n);
  const steps = stepsPerEpoch(config, n);
  const first = state.step - state.epoch * steps;
  orderEpoch(state, s, first);
  const nv = data.validLabels?.length ?? 0;
  const validCount = Math.min(config.batchSize, nv);
  // Each step reads the next validCount validation rows, cyclically, from the epoch's first row.
  let validCursor = nv > 0 ? (first * validCount) % nv : 0;
  for (let i = first; i < steps && state.step < until; i++) {
    const start = i * config.batchSize;
    const end = Math.min(n, start + config.batchSize);
    const at = state.step * METRICS_PER_STEP;
    const touchedCount = accumulateBatch(state.weights, data, s, start, end, state.stepMetrics, at);
    applyAdam(state, config, s, touchedCount);
    if (data.valid && data.validLabels && nv > 0) {
      let vLoss = 0;
      let vHits = 0;
      for (let j = 0; j < validCount; j++) {
        const row = (validCursor + j) % nv;
        computeProbs(state.weights, data.valid, row, s.probs);
        const y = data.validLabels[row]!;
        vLoss += crossEntropy(s.probs[y]!);
        if (argmax(s.probs, config.numClasses) === y) vHits++;
      }
      validCursor = (validCursor + validCount) % nv;
      state.stepMetrics[at + 2] = vLoss / validCount;
      state.stepMetrics[at + 3] = vHits / validCount;
    }
    state.step++;
    onStep(state.step);
  }
  if (state.step - state.epoch * steps < steps) return;
  if (data.valid && data.validLabels && nv > 0) {
    const [loss, acc] = evaluateRows(state.weights, data.valid, data.validLabels, s.probs);
    state.epochMetrics[state.epoch * 2] = loss;
    state.epochMetrics[state.epoch * 2 + 1] = acc;
  }
  state.epoch++;
}

/**
 * Forward and backward over order[start..end): fills the gradient buffers, writes the batch's mean loss and
 * accuracy to metrics[at], metrics[at + 1], and returns how many feature rows it touched.
 */
function accumulateBatch(w: Weights, data: TrainData, s: Scratch, start: number, end: number, metrics: Float64Array, at: number): number {
  const K = w.numClasses;
  const rows = data.train;
  const scale = 1 / (end - start);
  let loss = 0;
  let hits = 0;
  let touchedCount = 0;
  for (let i = start; i < end; i++) {
    const row = s.order[i]!;
    computeProbs(w, rows, row, s.probs);
    const y = data.trainLabels[row]!;
    loss += crossEntropy(s.probs[y]!);
    if (argmax(s.probs, K) === y) hits++;
    s.probs[y] = s.probs[y]! - 1;
    for (let k = 0; k < K; k++) s.gb[k] = s.gb[k]! + s.probs[k]! * scale;
    const rowEnd = rows.rowPtr[row + 1]!;
    for (let p = rows.rowPtr[row]!; p < rowEnd; p++) {
      const f = rows.idx[p]!;
      if (s.touched[f] === 0) {
        s.touched[f] = 1;
        s.touchedRows[touchedCount++] = f;
      }
      const x = rows.val[p]! * scale;
      const base = f * K;
      for (let k = 0; k < K; k++) s.gW[base + k] = s.gW[base + k]! + x * s.probs[k]!;
    }
  }
  metrics[at] = loss * scale;
  metrics[at + 1] = hits * scale;
  return touchedCount;
}

/** Lazy Adam: updates only the feature rows this batch touched (and the biases), then clears the gradient. */
function applyAdam(state: TrainState, config: TrainConfig, s: Scratch, touchedCount: number): void {
  const K = config.numClasses;
  const { W, b } = state.weights;
  const { mW, vW, mb, vb } = state;
  state.t++;
  const lr = (config.learningRate * Math.sqrt(1 - BETA2 ** state.t)) / (1 - BETA1 ** state.t);
  for (let r = 0; r < touchedCount; r++) {
    const f = s.touchedRows[r]!;
    s.touched[f] = 0;
    const base = f * K;
    for (let k = base; k < base + K; k++) {
      const g = s.gW[k]!;
      s.gW[k] = 0;
      mW[k] = BETA1 * mW[k]! + (1 - BETA1) * g;
      vW[k] = BETA2 * vW[k]! + (1 - BETA2) * g * g;
      W[k] = W[k]! - (lr * mW[k]!) / (Math.sqrt(vW[k]!) + EPSILON);
    }
  }
  for (let k = 0; k < K; k++) {
    const g = s.gb[k]!;
    s.gb[k] = 0;
    mb[k] = BETA1 * mb[k]! + (1 - BETA1) * g;
    vb[k] = BETA2 * vb[k]! + (1 - BETA2) * g * g;
    b[k] = b[k]! - (lr * mb[k]!) / (Math.sqrt(vb[k]!) + EPSILON);
  }
}

/** Mean loss and accuracy over all rows. */
export function evaluateRows(w: Weights, rows: SparseRows, labels: Int32Array, probs: Float64Array): [number, number] {
  let loss = 0;
  let hits = 0;
  for (let i = 0; i < labels.length; i++) {
    computeProbs(w, rows, i, probs);
    loss += crossEntropy(probs[labels[i]!]!);
    if (argmax(probs, w.numClasses) === labels[i]) hits++;
  }
  return [loss / labels.length, hits / labels.length];
}
