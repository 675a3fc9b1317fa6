// Checks of evaluate's parameters against the data, made before the first request is paid for.
import { DataError, didYouMean, TunefileError } from '../../errors.ts';
import type { LabelSpace } from './label-space.ts';

const quoted = (labels: string[]) => labels.map((l) => JSON.stringify(l)).join(', ');

/**
 * `positive` must name one of a binary task's two labels, as the user knows them (after `labels:` decoding).
 * @throws TunefileError naming the stage, the value and the labels (with a did-you-mean when one is close).
 */
export function checkPositive(address: string, positive: string | undefined, space: LabelSpace): void {
  if (positive === undefined) return;
  const value = JSON.stringify(positive);
  const fail = (message: string, hint: string) => new TunefileError('TUNEFILE_STAGE_FAILED', `${address}: ${message}`, { hint });
  if (!space.classification) {
    throw fail(`positive ${value} is set, but the validation answers are not classes (${space.labels.length} distinct answers)`, 'positive applies to binary classification only: remove it');
  }
  if (space.labels.length !== 2) {
    const shown = space.labels.length > 10 ? `${quoted(space.labels.slice(0, 10))}, ...` : quoted(space.labels);
    throw fail(`positive ${value} is set, but this task has ${space.labels.length} labels (${shown}), not 2`, 'positive applies to binary tasks only (AUROC/AUPRC): remove it');
  }
  if (space.labels.includes(positive)) return;
  const guess = didYouMean(positive, space.labels);
  throw fail(
    `positive ${value} is not one of the labels: ${quoted(space.labels)}`,
    guess === undefined ? `set positive to one of the labels, or remove it to use the default, ${JSON.stringify(space.labels.at(-1))}` : `did you mean ${JSON.stringify(guess)}?`,
  );
}

/** There must be something to evaluate. */
export function checkNotEmpty(address: string, count: number): void {
  if (count === 0) throw new DataError(`${address}: the validation set is empty: there is nothing to evaluate`);
}
