// Hashed token n-gram features (unigrams and bigrams of the prompt's tokens), L2-normalised, in CSR arrays.

/** Sparse rows in compressed form: row i spans idx/val[rowPtr[i] .. rowPtr[i+1]). */
export interface SparseRows {
  rowPtr: Int32Array;
  idx: Int32Array;
  val: Float32Array;
}

/** Number of hash buckets for K classes: about 4M weights in all, a power of two in [2^12, 2^18]. */
export function chooseDimension(numClasses: number): number {
  let d = 1 << 18;
  while (d > 1 << 12 && d * numClasses > 1 << 22) d >>= 1;
  return d;
}

/** A 32-bit integer mix (murmur3 finaliser). */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const BIAS_KEY = 0x6a09e667;

/** The signed bucket features of one token sequence: a map from bucket to value, L2-normalised. */
export function featurize(tokens: ArrayLike<number>, dim: number): Map<number, number> {
  const out = new Map<number, number>();
  const add = (h: number): void => {
    const bucket = h & (dim - 1);
    const sign = h & 0x80000000 ? -1 : 1;
    out.set(bucket, (out.get(bucket) ?? 0) + sign);
  };
  add(mix(BIAS_KEY));
  let prev = -1;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    add(mix(Math.imul(t + 1, 0x9e3779b1) ^ 0x1));
    add(mix(Math.imul(prev + 1, 0x85ebca77) ^ mix(t + 0x27d4eb2f) ^ 0x2));
    prev = t;
  }
  let norm = 0;
  for (const v of out.values()) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  for (const [k, v] of out) out.set(k, v / norm);
  return out;
}

/** Packs feature maps into CSR arrays with indices sorted in each row (a stable layout for the trainer). */
export function packRows(rows: Array<Map<number, number>>): SparseRows {
  let nnz = 0;
  for (const r of rows) nnz += r.size;
  const rowPtr = new Int32Array(rows.length + 1);
  const idx = new Int32Array(nnz);
  const val = new Float32Array(nnz);
  let p = 0;
  rows.forEach((row, i) => {
    rowPtr[i] = p;
    for (const k of [...row.keys()].sort((a, b) => a - b)) {
      idx[p] = k;
      val[p] = row.get(k)!;
      p++;
    }
  });
  rowPtr[rows.length] = p;
  return { rowPtr, idx, val };
}
