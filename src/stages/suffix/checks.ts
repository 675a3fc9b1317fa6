// The errors suffix raises after its pass: separator or ending inside texts, labels missing from a map.
import { DataError } from '../../errors.ts';

/** Rows that break the suffix rules, collected during the rewrite pass. */
export interface Offenders {
  separator: number[];
  ending: number[];
  unmapped: Map<string, number>;
}

const SHOW = 10;

function listRows(rows: number[]): string {
  return rows.slice(0, SHOW).join(', ') + (rows.length > SHOW ? ` and ${rows.length - SHOW} more` : '');
}

/** The first problem as a DataError naming rows, or undefined. */
export function findOffenders(off: Offenders, separator: string, ending: string): DataError | undefined {
  if (off.separator.length > 0) {
    return new DataError(`row ${off.separator[0]}: the separator ${JSON.stringify(separator)} occurs inside ${off.separator.length} prompt(s) (rows ${listRows(off.separator)})`, {
      hint: 'choose another separator, or `prompt: auto` to pick one that occurs in no prompt',
    });
  }
  if (off.ending.length > 0) {
    return new DataError(`row ${off.ending[0]}: the ending ${JSON.stringify(ending)} occurs inside ${off.ending.length} completion(s) (rows ${listRows(off.ending)})`, {
      hint: 'choose another ending, or `completion: auto`',
    });
  }
  if (off.unmapped.size > 0) {
    const labels = [...off.unmapped.entries()].map(([l, n]) => `'${l}' (${n} rows)`);
    return new DataError(`labels: ${labels.length} label(s) have no code in the map: ${labels.slice(0, SHOW).join(', ')}`, {
      hint: 'add them to `labels:`, or use `labels: auto`',
    });
  }
  return undefined;
}
