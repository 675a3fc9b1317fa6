// tqdm's progress line in ASCII (`ascii=True`, ten bar cells), one line per update: ` 12%|#2        | 6/50`.

const CELLS = 10;
/** tqdm's ASCII charset: a cell fills through 1..9 to #. */
const CHARSET = ' 123456789#';
const SYMBOLS = CHARSET.length - 1;

/** `percent` as Python's '%3.0f' formats it (an exact .5 rounds to even). */
function percentField(percent: number): string {
  const rounded = percent % 1 === 0.5 ? 2 * Math.round(percent / 2) : Math.round(percent);
  return String(rounded).padStart(3, ' ');
}

/** The progress line after `n` of `total` steps, as tqdm's default format starts: `{percentage:3.0f}%|{bar}| {n}/{total}`. */
export function progressLine(n: number, total: number): string {
  const frac = total > 0 ? Math.min(1, n / total) : 0;
  const full = Math.floor(Math.floor(frac * CELLS * SYMBOLS) / SYMBOLS);
  const partial = Math.floor(frac * CELLS * SYMBOLS) % SYMBOLS;
  const bar = full < CELLS ? '#'.repeat(full) + CHARSET[partial] + ' '.repeat(CELLS - full - 1) : '#'.repeat(CELLS);
  return `${percentField(frac * 100)}%|${bar}| ${n}/${total}`;
}
