// The cost guard: tokencheck's estimate, scaled to train's epochs, against max_cost_usd; --yes lets it through.
import { readFileSync } from 'node:fs';
import { TunefileError } from '../../errors.ts';
import type { StageContext } from '../types.ts';
import type { TrainParams } from './index.ts';
import { formatUsd } from '../../tokens/prices.ts';

/** What the guard needs from tokencheck's report (`estimate`). */
interface ReportEstimate {
  n_epochs: number;
  billed_tokens: number;
  cost_usd: number | null;
}

/** The estimated cost of this job in USD, or null when there is no report or no price. */
export function estimateCost(reportPath: string | undefined, nEpochs: TrainParams['n_epochs']): { cost: number; tokens: number; epochs: number } | null {
  if (!reportPath) return null;
  const estimate = (JSON.parse(readFileSync(reportPath, 'utf8')) as { estimate?: ReportEstimate }).estimate;
  if (!estimate || estimate.cost_usd === null || !(estimate.n_epochs > 0)) return null;
  const epochs = nEpochs === 'auto' ? estimate.n_epochs : nEpochs;
  const scale = epochs / estimate.n_epochs;
  return { cost: Math.round(estimate.cost_usd * scale * 1e4) / 1e4, tokens: Math.round(estimate.billed_tokens * scale), epochs };
}

/** Throws TUNEFILE_COST when the estimate exceeds the limit and --yes was not given. */
export function checkCost(ctx: StageContext<TrainParams>): void {
  const limit = ctx.params.max_cost_usd ?? ctx.config.max_cost_usd;
  if (limit === undefined) return;
  const estimate = estimateCost(ctx.inputs.report?.path, ctx.params.n_epochs);
  if (!estimate) {
    ctx.warn(`max_cost_usd is $${limit} but there is no cost estimate (no tokencheck report upstream, or no price for the model)`);
    return;
  }
  if (estimate.cost <= limit) return;
  const what = `estimated training cost ${formatUsd(estimate.cost)} (${estimate.tokens.toLocaleString('en-US')} billed tokens over ${estimate.epochs} epochs) exceeds max_cost_usd ${formatUsd(limit)}`;
  if (ctx.options.yes) {
    ctx.warn(`${what}; training anyway because of --yes`);
    return;
  }
  throw new TunefileError('TUNEFILE_COST', `${ctx.address}: ${what}`, {
    hint: 'run again with --yes to accept the cost, or raise max_cost_usd',
  });
}
