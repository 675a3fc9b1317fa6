// "Did you mean": errors.ts didYouMean, plus swapped neighbouring letters (`trian` -> `train`), which plain edit distance counts as two edits.
import { didYouMean } from '../errors.ts';

/** The candidate the user probably meant, or undefined. */
export function suggestName(input: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  const swapped = list.find((c) => isOneSwapAway(input.toLowerCase(), c.toLowerCase()));
  return swapped ?? didYouMean(input, list);
}

function isOneSwapAway(a: string, b: string): boolean {
  if (a.length !== b.length || a === b) return false;
  const diff: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diff.push(i);
  return diff.length === 2 && diff[1] === diff[0]! + 1 && a[diff[0]!] === b[diff[1]!] && a[diff[1]!] === b[diff[0]!];
}
