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

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = saved;
    }
  }
  return row[b.length]!;
}
