// The tokencheck analysis: counts, classes and first tokens, limits, epochs and cost; shared by the stage and prepare.
import type { ModelPrice } from '../pipeline/config-types.ts';
import { isClassification } from '../data/classify.ts';
import { DigestTable, Int32Column } from '../data/digest-table.ts';
import { readRecordBatches } from '../data/jsonl.ts';
import { describeRow, getCompletionText, isChat } from '../data/records.ts';
import { findChatFormatErrors } from './chat-format.ts';
import { countExampleTokens } from './count.ts';
import { encodingNameForModel, getEncoding } from './encoding.ts';
import type { EncodingName } from './encoding.ts';
import { getDefaultEpochs } from './epochs.ts';
import { getContextLimit } from './models.ts';
import { getPrice } from './prices.ts';
import { summarizeCounts } from './stats.ts';
import type { TokenStats } from './stats.ts';
import { findTokenFailures } from './check-rules.ts';

export interface TokenCheckOptions {
  model: string;
  distinct_first_token: boolean;
  min_train_examples: number;
  /** `auto` or a number: epochs used for the estimate. */
  n_epochs: number | 'auto';
  max_cost_usd?: number;
  prices?: Record<string, ModelPrice>;
  /** Override of the model's per-example token limit. */
  context_limit?: number;
  progress?(detail: string): void;
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
  encoding: EncodingName;
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
    /** Training tokens billed: epochs x sum over train of min(tokens, context limit). */
    billed_tokens: number;
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
  labels: Map<string, { count: number; firstToken: number; row: string }>;
  distinct: DigestTable;
  overLimit: { row: string; tokens: number }[];
  formatErrors: Record<string, { count: number; rows: string[] }>;
}

const MAX_CLASSES = 50_000;

/** Runs every check over a train file and an optional valid file. */
export async function checkTokens(trainPath: string, validPath: string | undefined, o: TokenCheckOptions): Promise<TokenReport> {
  const encoding = encodingNameForModel(o.model);
  const enc = await getEncoding(encoding);
  const limit = o.context_limit ?? getContextLimit(o.model);
  const cache = new Map<string, number[]>();
  const scanSplit = async (path: string, name: string): Promise<SplitScan> => {
    const scan: SplitScan = { counts: new Int32Column(), roles: {}, chat: 0, labels: new Map(), distinct: new DigestTable(), overLimit: [], formatErrors: {} };
    for await (const batch of readRecordBatches(path)) {
      const counts = countExampleTokens(batch, enc, cache);
      batch.forEach((record, i) => addExample(scan, record, counts[i]!, limit));
      o.progress?.(`${name}: ${scan.counts.length.toLocaleString('en-US')} examples`);
    }
    return scan;
  };
  const train = await scanSplit(trainPath, 'train');
  const valid = validPath ? await scanSplit(validPath, 'valid') : undefined;
  const n = train.counts.length;
  const classification = isClassification(train.distinct.size, n) && train.labels.size <= MAX_CLASSES;
  const classes = classification ? listClasses(train, valid, (id) => enc.decode([id])) : undefined;
  const epochs = o.n_epochs === 'auto' ? getDefaultEpochs(n) : o.n_epochs;
  let perEpoch = 0;
  for (let i = 0; i < n; i++) perEpoch += Math.min(train.counts.get(i), limit);
  const billed = epochs * perEpoch;
  const price = getPrice(o.model, o.prices);
  const cost = price ? Math.round((billed / 1e6) * price.training * 1e4) / 1e4 : null;
  const report: TokenReport = {
    model: o.model, encoding, context_limit: limit,
    splits: { train: summarizeSplit(train), ...(valid ? { valid: summarizeSplit(valid) } : {}) },
    classification, distinct_completions: train.distinct.size, ...(classes ? { classes } : {}),
    over_limit: [...train.overLimit, ...(valid?.overLimit ?? [])],
    chat_format_errors: mergeFormatErrors(train, valid),
    estimate: {
      n_epochs: epochs, n_epochs_source: o.n_epochs === 'auto' ? 'heuristic' : 'param', billed_tokens: billed,
      price_per_million_usd: price?.training ?? null, cost_usd: cost, max_cost_usd: o.max_cost_usd ?? null,
    },
    failures: [], warnings: [],
  };
  findTokenFailures(report, train, valid, o);
  return report;
}

function addExample(scan: SplitScan, record: Parameters<typeof describeRow>[0], counted: ReturnType<typeof countExampleTokens>[number], limit: number): void {
  scan.counts.push(counted.total);
  for (const [role, t] of Object.entries(counted.roles)) scan.roles[role] = (scan.roles[role] ?? 0) + t;
  if (counted.total > limit) scan.overLimit.push({ row: describeRow(record), tokens: counted.total });
  if (isChat(record)) {
    scan.chat += 1;
    for (const e of findChatFormatErrors(record)) {
      const entry = (scan.formatErrors[e] ??= { count: 0, rows: [] });
      entry.count += 1;
      if (entry.rows.length < 10) entry.rows.push(describeRow(record));
    }
  }
  const completion = getCompletionText(record);
  scan.distinct.add(completion);
  const label = scan.labels.get(completion);
  if (label) label.count += 1;
  else if (scan.labels.size < MAX_CLASSES) scan.labels.set(completion, { count: 1, firstToken: counted.firstToken, row: describeRow(record) });
}

function summarizeSplit(scan: SplitScan): SplitTokens {
  return { examples: scan.counts.length, tokens: summarizeCounts(scan.counts.data.subarray(0, scan.counts.length)), roles: scan.roles, chat: scan.chat };
}

function listClasses(train: SplitScan, valid: SplitScan | undefined, decode: (id: number) => string): ClassInfo[] {
  return [...train.labels.entries()]
    .map(([label, info]) => ({
      label, first_token: info.firstToken < 0 ? '' : decode(info.firstToken), first_token_id: info.firstToken,
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
