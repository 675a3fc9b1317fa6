// Classification detection, as legacy prepare_data: fewer distinct completions than a third of the examples.

/** True when `distinct` completions among `n` examples make a classification task. */
export function isClassification(distinct: number, n: number): boolean {
  return n > 0 && distinct < n / 3;
}
