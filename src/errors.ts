// One error base class with stable codes; only src/cli/main.ts turns these into exit codes.

/** Stable error codes. The CLI maps each to an exit code (see exitCodeFor). */
export type ErrorCode =
  | 'TUNEFILE_USAGE'
  | 'TUNEFILE_INVALID_PIPELINE'
  | 'TUNEFILE_INVALID_CONFIG'
  | 'TUNEFILE_CYCLE'
  | 'TUNEFILE_STAGE_FAILED'
  | 'TUNEFILE_LOCKED'
  | 'TUNEFILE_INTERRUPTED'
  | 'TUNEFILE_DATA'
  | 'TUNEFILE_PROVIDER'
  | 'TUNEFILE_COST'
  | 'TUNEFILE_NOT_FOUND'
  /** The project's `.tunefile/` cannot be used: not a folder, a damaged state.db, no permission (exit 1). */
  | 'TUNEFILE_STORE'
  | 'TUNEFILE_INTERNAL';

export interface TunefileErrorOptions {
  cause?: unknown;
  /** Extra lines printed under the message (code frames, lists of errors). */
  details?: string[];
  /** A one-line suggestion printed after the message. */
  hint?: string;
}

/** Base class of every error tunefile reports on purpose. */
export class TunefileError extends Error {
  readonly code: ErrorCode;
  readonly details: string[];
  readonly hint: string | undefined;
  constructor(code: ErrorCode, message: string, options: TunefileErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TunefileError';
    this.code = code;
    this.details = options.details ?? [];
    this.hint = options.hint;
  }
}

/** A problem with the user's data; stages throw it with `path:line: reason` messages. */
export class DataError extends TunefileError {
  constructor(message: string, options: TunefileErrorOptions = {}) {
    super('TUNEFILE_DATA', message, options);
    this.name = 'DataError';
  }
}

/** Bad command-line usage (exit 2). */
export class UsageError extends TunefileError {
  constructor(message: string, options: TunefileErrorOptions = {}) {
    super('TUNEFILE_USAGE', message, options);
    this.name = 'UsageError';
  }
}

/** Exit code for an error, per DESIGN §6: 1 stage failure or lock held, 2 usage/invalid, 130 interrupt. */
export function exitCodeFor(error: unknown): number {
  if (!(error instanceof TunefileError)) return 1;
  switch (error.code) {
    case 'TUNEFILE_USAGE':
    case 'TUNEFILE_INVALID_PIPELINE':
    case 'TUNEFILE_INVALID_CONFIG':
    case 'TUNEFILE_CYCLE':
      return 2;
    case 'TUNEFILE_INTERRUPTED':
      return 130;
    default:
      return 1;
  }
}

/** Closest candidate by edit distance, for "did you mean" hints; undefined when none is close. */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(input.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  const limit = Math.max(1, Math.floor(input.length / 3));
  return bestDistance <= limit ? best : undefined;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours each cost 1. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d = new Array<number>(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1]!;
}
