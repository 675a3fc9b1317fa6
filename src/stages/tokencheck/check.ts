// The tokencheck analysis: counts, classes and first tokens, limits, epochs and cost; shared by the stage and prepare.
import type { ModelPrice } from '../../shared/config-types.ts';
import { isClassification } from '../../data/classify.ts';
import { DigestTable, Int32Column } from '../../data/digest-table.ts';
import { countTokens } from '../../tokens/count-tokens.ts';
import type { BatchScan, ChunkLog, CountCacheStats } from '../../tokens/count-tokens.ts';
import { encodingNameForModel } from '../../tokens/encoding.ts';
import type { ModelTokenizer, TokenizerRecord } from '../../tokens/encoding.ts';
import { resolveEpochs } from '../../shared/hyperparameters.ts';
import { getBilledConversion } from './conversion.ts';
import type { FineTuneFormat } from '../../tokens/model-format.ts';
import { getContextLimit } from '../../tokens/models.ts';
import { getPrice } from '../../tokens/prices.ts';
import { summarizeCounts } from './stats.ts';
import type { TokenStats } from './stats.ts';
import { findTokenFailures } from './rules.ts';

export type { CountCacheStats } from '../../tokens/count-tokens.ts';

export interface TokenCheckOptions {
  model: string;
  /**
   * The tokenizer to count with (encoding.ts getModelTokenizer: `tokenizer:`, or an open model's own).
   * @default tiktoken's encoding for the model
   */
  tokenizer?: ModelTokenizer;
  distinct_first_token: boolean;
  min_train_examples: number;
  /** `auto` or a number: epochs used for the estimate. */
  n_epochs: number | 'auto';
  /**
   * The fine-tuning format the examples are counted in, as upload writes them.
   * @default the model's: prompt/completion for babbage-002 and davinci-002, chat otherwise
   */
  format?: FineTuneFormat;
  /** Chat: the system message upload puts first in every conversation that has none (counted in every such example). */
  system?: string;
  max_cost_usd?: number;
  prices?: Record<string, ModelPrice>;
  /** Override of the model's per-example token limit. */
  context_limit?: number;
  /** Counting threads, this one included; 1 counts in this thread only. @default one per core (at most 8), or 1 for inputs under 4 MB */
  workers?: number;
  progress?(detail: string): void;
  /**
   * The token-count cache: opens a chunk log by name (state.db's `chunks`). Texts are then looked up by digest,
   * and new counts are appended as they are counted; the report is the same with or without it.
   */
  countCache?(name: string): ChunkLog;
  /** Called once with what the cache did. */
  cacheStats?(stats: CountCacheStats): void;
}

/** One class of a classification dataset. */
export interface ClassInfo {
  label: string;
  first_token: string;
  first_token_id: number;
  train: number;
  valid: number;
}

export interface SplitTokens {
  examples: number;
  tokens: TokenStats;
  /** Token totals per role (`prompt`/`completion`, or chat roles' content). */
  roles: Record<string, number>;
  chat: number;
}

/** The tokencheck report artifact. */
export interface TokenReport {
  model: string;
  /** The tiktoken encoding (`o200k_base`, `cl100k_base`), or `hf:<name>` for a Hugging Face tokenizer. */
  encoding: string;
  /** A Hugging Face tokenizer's name, files' sha256 and where it was found (absent for tiktoken). */
  tokenizer?: TokenizerRecord;
  /** The format the examples were counted in (what upload writes for the model). */
  format: FineTuneFormat;
  /** The system message counted in every chat example that has none, or null. */
  system: string | null;
  context_limit: number;
  splits: { train: SplitTokens; valid?: SplitTokens };
  classification: boolean;
  distinct_completions: number;
  classes?: ClassInfo[];
  over_limit: { row: string; tokens: number }[];
  chat_format_errors: Record<string, { count: number; rows: string[] }>;
  estimate: {
    n_epochs: number;
    n_epochs_source: 'heuristic' | 'param';
    /** Training tokens billed: epochs x billed_tokens_per_epoch. */
    billed_tokens: number;
    /** Sum over train of min(tokens, context limit), each example counted as the uploaded line. */
    billed_tokens_per_epoch: number;
    price_per_million_usd: number | null;
    cost_usd: number | null;
    max_cost_usd: number | null;
  };
  failures: string[];
  warnings: string[];
}

/** Per-split accumulation while streaming. */
export interface SplitScan {
  counts: Int32Column;
  roles: Record<string, number>;
  chat: number;
  /** completion text -> {count, first token, first row}; capped, see `distinct`. */
  labels: Map<string, { count: number; firstToken: number; firstText: string; row: string }>;
  distinct: DigestTable;
  overLimit: { row: string; tokens: number }[];
  formatErrors: Record<string, { count: number; rows: string[] }>;
}

const MAX_CLASSES = 50_000;

/** Runs every check over a train file and an optional valid file. */
export async function checkTokens(trainPath: string, validPath: string | undefined, o: TokenCheckOptions): Promise<TokenReport> {
  const counting = o.tokenizer?.counting ?? encodingNameForModel(o.model);
  const encoding = o.tokenizer?.encoding ?? encodingNameForModel(o.model);
  const limit = o.context_limit ?? getContextLimit(o.model);
  const conv = await getBilledConversion(trainPath, o);
  const splits = [newScan(), ...(validPath ? [newScan()] : [])];
  const names = ['train', 'valid'];
  const counted = await countTokens(validPath ? [trainPath, validPath] : [trainPath], counting, {
    conversion: conv, limit, workers: o.workers, cache: o.countCache,
    each: (batch, file) => {
      const scan = splits[file]!;
      mergeBatch(scan, batch);
      o.progress?.(`${names[file]}: ${scan.counts.length.toLocaleString('en-US')} examples`);
    },
  });
  if (counted.cache) o.cacheStats?.(counted.cache);
  const [train, valid] = splits as [SplitScan, SplitScan | undefined];
  const n = train.counts.length;
  const classification = isClassification(train.distinct.size, n) && train.labels.size <= MAX_CLASSES;
  const classes = classification ? listClasses(train, valid) : undefined;
  const epochs = resolveEpochs(o.n_epochs, n);
  let perEpoch = 0;
  for (let i = 0; i < n; i++) perEpoch += Math.min(train.counts.get(i), limit);
  const billed = epochs * perEpoch;
  const price = getPrice(o.model, o.prices);
  const cost = price ? Math.round((billed / 1e6) * price.training * 1e4) / 1e4 : null;
  const report: TokenReport = {
    model: o.model, encoding, ...(o.tokenizer?.record ? { tokenizer: o.tokenizer.record } : {}), format: conv.format, system: conv.system ?? null, context_limit: limit,
    splits: { train: summarizeSplit(train), ...(valid ? { valid: summarizeSplit(valid) } : {}) },
    classification, distinct_completions: train.distinct.size, ...(classes ? { classes } : {}),
    over_limit: [...train.overLimit, ...(valid?.overLimit ?? [])],
    chat_format_errors: mergeFormatErrors(train, valid),
    estimate: {
      n_epochs: epochs, n_epochs_source: o.n_epochs === 'auto' ? 'heuristic' : 'param', billed_tokens: billed, billed_tokens_per_epoch: perEpoch,
      price_per_million_usd: price?.training ?? null, cost_usd: cost, max_cost_usd: o.max_cost_usd ?? null,
    },
    failures: [], warnings: [],
  };
  findTokenFailures(report, train, valid, o);
  if (o.system !== undefined && conv.format !== 'chat') {
    report.warnings.push(`the system message is not counted: ${o.model} is fine-tuned on prompt/completion pairs, and upload refuses a system message for it`);
  }
  return report;
}

function newScan(): SplitScan {
  return { counts: new Int32Column(), roles: {}, chat: 0, labels: new Map(), distinct: new DigestTable(), overLimit: [], formatErrors: {} };
}

/** Adds one batch's tallies to the split's, as if its examples had been added one by one. */
function mergeBatch(scan: SplitScan, b: BatchScan): void {
  for (let i = 0; i < b.total.length; i++) scan.counts.push(b.total[i]!);
  for (const role in b.roles) scan.roles[role] = (scan.roles[role] ?? 0) + b.roles[role]!;
  scan.overLimit.push(...b.overLimit);
  scan.chat += b.chat;
  for (const [kind, e] of Object.entries(b.formatErrors)) {
    const entry = (scan.formatErrors[kind] ??= { count: 0, rows: [] });
    entry.count += e.count;
    entry.rows.push(...e.rows.slice(0, 10 - entry.rows.length));
  }
  for (const l of b.labels) {
    scan.distinct.add(l.label);
    const label = scan.labels.get(l.label);
    if (label) label.count += l.count;
    else if (scan.labels.size < MAX_CLASSES) scan.labels.set(l.label, { count: l.count, firstToken: l.firstToken, firstText: l.firstText, row: l.row });
  }
}

function summarizeSplit(scan: SplitScan): SplitTokens {
  return { examples: scan.counts.length, tokens: summarizeCounts(scan.counts.data.subarray(0, scan.counts.length)), roles: scan.roles, chat: scan.chat };
}

function listClasses(train: SplitScan, valid: SplitScan | undefined): ClassInfo[] {
  return [...train.labels.entries()]
    .map(([label, info]) => ({
      label, first_token: info.firstText, first_token_id: info.firstToken,
      train: info.count, valid: valid?.labels.get(label)?.count ?? 0,
    }))
    .sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
}

function mergeFormatErrors(train: SplitScan, valid?: SplitScan): TokenReport['chat_format_errors'] {
  const out: TokenReport['chat_format_errors'] = {};
  for (const scan of [train, valid]) {
    for (const [k, v] of Object.entries(scan?.formatErrors ?? {})) {
      const e = (out[k] ??= { count: 0, rows: [] });
      e.count += v.count;
      e.rows.push(...v.rows.slice(0, 10 - e.rows.length));
    }
  }
  return out;
}
