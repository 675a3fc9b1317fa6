// The cost guard: tokencheck's billed tokens per epoch times this job's epochs, against max_cost_usd; --yes lets it through.
import { readFileSync } from 'node:fs';
import { TunefileError } from '../../errors.ts';
import type { StageContext } from '../types.ts';
import type { TrainParams } from './index.ts';
import { resolveEpochs } from '../../shared/hyperparameters.ts';
import { formatUsd } from '../../tokens/prices.ts';

/** What the guard needs from tokencheck's report (TokenReport in stages/tokencheck/check.ts). */
interface ReportFacts {
  splits?: { train?: { examples?: number } };
  estimate?: {
    n_epochs: number;
    billed_tokens: number;
    billed_tokens_per_epoch?: number;
    price_per_million_usd: number | null;
  };
}

/** The epochs a job will run: train's n_epochs when it is a number, else OpenAI's `auto` rule on the example count. */
export function getJobEpochs(nEpochs: TrainParams['n_epochs'], trainExamples: number): number {
  return resolveEpochs(nEpochs, trainExamples);
}

/** The estimated cost of this job in USD, or null when there is no report or no price. */
export function estimateCost(reportPath: string | undefined, nEpochs: TrainParams['n_epochs']): { cost: number; tokens: number; epochs: number } | null {
  if (!reportPath) return null;
  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as ReportFacts;
  const estimate = report.estimate;
  const examples = report.splits?.train?.examples;
  if (!estimate || estimate.price_per_million_usd === null || examples === undefined || !(estimate.n_epochs > 0)) return null;
  const perEpoch = estimate.billed_tokens_per_epoch ?? estimate.billed_tokens / estimate.n_epochs;
  const epochs = getJobEpochs(nEpochs, examples);
  const tokens = Math.round(perEpoch * epochs);
  return { cost: Math.round((tokens / 1e6) * estimate.price_per_million_usd * 1e4) / 1e4, tokens, epochs };
}

/** A provider's own price for the job (Together's estimate-price): USD, or undefined where it gives none. */
export type ProviderQuote = () => Promise<number | undefined>;

/**
 * The estimate the guard compares: the higher of tokencheck's (billed tokens x epochs x the price table) and the
 * provider's own quote, so neither can talk the guard below what the other expects. A quote that fails is warned
 * about and left out; the guard never lets a job through because a price could not be fetched when tokencheck's is there.
 */
async function guardEstimate(ctx: StageContext<TrainParams>, quote: ProviderQuote | undefined): Promise<{ cost: number; what: string } | null> {
  const local = estimateCost(ctx.inputs.report?.path, ctx.params.n_epochs);
  let quoted: number | undefined;
  if (quote) {
    try {
      quoted = await quote();
    } catch (error) {
      if (ctx.signal?.aborted) throw error;
      ctx.warn(`the provider's price estimate failed (${(error as Error).message}); ${local ? "using tokencheck's estimate" : 'there is no other estimate'}`);
    }
  }
  const fromTokens = local && { cost: local.cost, what: `${local.tokens.toLocaleString('en-US')} billed tokens over ${local.epochs} epochs` };
  const fromProvider = quoted === undefined || !Number.isFinite(quoted) ? null : { cost: quoted, what: "the provider's own estimate" };
  if (fromTokens && fromProvider) return fromProvider.cost > fromTokens.cost ? fromProvider : fromTokens;
  return fromTokens ?? fromProvider;
}

/**
 * Throws TUNEFILE_COST when the estimate exceeds the limit and --yes was not given. `quote` is the provider's own
 * price for this job, where it offers one; it is asked only when there is a limit.
 */
export async function checkCost(ctx: StageContext<TrainParams>, quote?: ProviderQuote): Promise<void> {
  const limit = ctx.params.max_cost_usd ?? ctx.config.max_cost_usd;
  if (limit === undefined) return;
  if (ctx.providerIdentity.type === 'trainer') {
    // Self-hosted training is paid in GPU hours, which no token price tells: a list price would be a false number.
    ctx.warn(`max_cost_usd is $${limit}, but a self-hosted trainer has no token price; the cost guard does not apply (tokencheck's estimate is the model's list price, if any)`);
    return;
  }
  const estimate = await guardEstimate(ctx, quote);
  if (!estimate) {
    ctx.warn(`max_cost_usd is $${limit} but there is no cost estimate (no tokencheck report upstream or no price for the model, and no price from the provider)`);
    return;
  }
  if (estimate.cost <= limit) return;
  const what = `estimated training cost ${formatUsd(estimate.cost)} (${estimate.what}) exceeds max_cost_usd ${formatUsd(limit)}`;
  if (ctx.options.yes) {
    ctx.warn(`${what}; training anyway because of --yes`);
    return;
  }
  throw new TunefileError('TUNEFILE_COST', `${ctx.address}: ${what}`, {
    hint: 'run again with --yes to accept the cost, or raise max_cost_usd',
  });
}
