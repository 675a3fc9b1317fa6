// Public types of the one-shot prepare analysis (legacy `prepare_data`, as typed functions).
import type { SourceFormat } from '../data/source.ts';
import type { SplitReport } from '../stages/split/split.ts';
import type { TokenReport } from '../stages/tokencheck/check.ts';

/** Actions a finding can recommend; `safe` ones are accepted without a terminal. */
export type PrepareActionId =
  | 'drop-rejects' | 'dedupe' | 'separator' | 'ending' | 'leading-space' | 'split' | 'drop-rare' | 'lowercase' | 'labels';

/** One thing prepare noticed, with its recommended fix. */
export interface Finding {
  id: string;
  severity: 'info' | 'warning' | 'error';
  message: string;
  recommendation?: string;
  /** The action that applies the recommendation, if one does. */
  action?: { id: PrepareActionId; safe: boolean; question: string };
}

export interface PrepareOptions {
  /** Source field for the prompt. Default: `prompt`, else guessed from the columns. */
  prompt?: string;
  /** Source field for the completion. Default: `completion`, else guessed. */
  completion?: string;
  format?: SourceFormat;
  /** Model for token counts and first tokens. @default "babbage-002" */
  model?: string;
  /** Validation fraction or count. @default 0.2 */
  valid?: number;
  /** Split seed. @default 42 */
  seed?: number;
}

/** The analysis of one file. */
export interface PrepareReport {
  file: string;
  format: SourceFormat;
  fields: { prompt: string; completion: string; guessed: boolean; quote: boolean };
  records: number;
  classification: boolean;
  findings: Finding[];
  /** Token analysis of the data as it would be after the safe fixes. */
  tokens: TokenReport;
}

/** How recommendations are accepted: all, only safe ones, none, or a callback (the CLI asks the user). */
export type AcceptPolicy = 'all' | 'safe' | 'none' | ((finding: Finding) => boolean | Promise<boolean>);

export interface PrepareFileOptions extends PrepareOptions {
  accept?: AcceptPolicy;
  /** Folder for the output files. @default the input file's folder */
  outDir?: string;
  /**
   * Output files that already exist: true replaces them, false refuses before writing anything (a UsageError naming
   * them), a function decides given their paths (the CLI asks on a terminal).
   * @default false
   */
  overwrite?: boolean | ((existing: string[]) => boolean | Promise<boolean>);
  /** Called with the analysis before any recommendation is decided (the CLI prints findings here). */
  onReport?(report: PrepareReport): void;
}

export interface PrepareResult {
  report: PrepareReport;
  /** Actions applied. */
  accepted: PrepareActionId[];
  declined: PrepareActionId[];
  /** Files written: train and valid (or `prepared` when the split was declined). */
  outputs: { train?: string; valid?: string; prepared?: string };
  /** With `drop-rare` accepted: the rows of classes too small to split that were left out, by class. */
  dropped?: SplitReport['dropped'];
  /** Token analysis of the written files. */
  final: TokenReport;
}
