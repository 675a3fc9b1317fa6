// How `with: extra` meets tunefile's own keys in a trainer config: the one rule every format follows.
import { TunefileError } from '../../../errors.ts';
import type { TrainerKind } from '../types.ts';

/**
 * Merges `extra` into a trainer config. Tunefile's keys come first, in their order; an `extra` key replaces
 * tunefile's value in place (hyperparameters, eval and save strategies, logging: anything), and a new key follows
 * tunefile's keys in `extra`'s order.
 *
 * The exception is `owned`: the keys through which tunefile places the run (its output, data and cache folders, the
 * datasets, resuming). Those are the run folder's layout, which tunefile's cache, resume and artifact collection
 * rely on, so `extra` may not set them: a run writing elsewhere would look empty to tunefile.
 * @throws TunefileError (TUNEFILE_INVALID_PIPELINE) naming the first owned key that `extra` sets.
 */
export function mergeExtra(trainer: TrainerKind, own: Record<string, unknown>, extra: Record<string, unknown>, owned: readonly string[]): Record<string, unknown> {
  const clash = Object.keys(extra).find((key) => owned.includes(key));
  if (clash !== undefined) {
    throw new TunefileError('TUNEFILE_INVALID_PIPELINE', `train: with.extra.${clash} cannot be set for trainer ${trainer}: tunefile sets it to the run's own folder`, {
      hint: `remove ${clash} from extra; tunefile sets ${owned.join(', ')} itself`,
    });
  }
  return { ...own, ...extra };
}
