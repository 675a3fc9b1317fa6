// The softmax-regression model: weights over hashed features, and its class probabilities.
import type { SparseRows } from './features.ts';

/** Weights of a K-class softmax over D hashed features; W is row-major [feature][class]. */
export interface Weights {
  dim: number;
  numClasses: number;
  W: Float32Array;
  b: Float32Array;
}

/** Zero-initialised weights (a zero start needs no randomness, so only the shuffle uses the seed). */
export function createWeights(dim: number, numClasses: number): Weights {
  return { dim, numClasses, W: new Float32Array(dim * numClasses), b: new Float32Array(numClasses) };
}

/**
 * Writes the class probabilities of row `row` of `rows` into `out` (length K); allocation-free.
 * Returns nothing; `out` holds softmax(b + x·W).
 */
export function computeProbs(w: Weights, rows: SparseRows, row: number, out: Float64Array): void {
  const K = w.numClasses;
  const { W, b } = w;
  for (let k = 0; k < K; k++) out[k] = b[k]!;
  const end = rows.rowPtr[row + 1]!;
  for (let p = rows.rowPtr[row]!; p < end; p++) {
    const x = rows.val[p]!;
    const base = rows.idx[p]! * K;
    for (let k = 0; k < K; k++) out[k] += x * W[base + k]!;
  }
  softmaxInPlace(out, K);
}

/** softmax over out[0..K) in place, numerically stable. */
export function softmaxInPlace(out: Float64Array, K: number): void {
  let max = -Infinity;
  for (let k = 0; k < K; k++) if (out[k]! > max) max = out[k]!;
  let sum = 0;
  for (let k = 0; k < K; k++) {
    const e = Math.exp(out[k]! - max);
    out[k] = e;
    sum += e;
  }
  for (let k = 0; k < K; k++) out[k] = out[k]! / sum;
}

/** Index of the largest value in out[0..K); the lowest index wins ties. */
export function argmax(out: Float64Array, K: number): number {
  let best = 0;
  for (let k = 1; k < K; k++) if (out[k]! > out[best]!) best = k;
  return best;
}

const MIN_PROB = 1e-12;

/** Cross-entropy of a probability (clamped so a certain mistake stays finite). */
export function crossEntropy(p: number): number {
  return -Math.log(p > MIN_PROB ? p : MIN_PROB);
}
