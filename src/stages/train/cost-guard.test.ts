// The cost guard: tokencheck's billed tokens per epoch times this job's epochs (train's number, else the auto rule on
// the example count), the limit from params or config, and --yes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StageContext } from '../types.ts';
import { checkCost, estimateCost } from './cost-guard.ts';
import type { TrainParams } from './index.ts';
import { tempDir } from '../../../test/helpers/temp.ts';

const dir = tempDir('tunefile-cost-');

/** A tokencheck report: 100,000 billed tokens per epoch at $0.40 per 1M, estimated over `epochs` for `examples`. */
function writeReport(name: string, examples: number, epochs: number): string {
  const path = join(dir, name);
  const estimate = { n_epochs: epochs, billed_tokens: 100_000 * epochs, billed_tokens_per_epoch: 100_000, price_per_million_usd: 0.4, cost_usd: 0.04 * epochs };
  writeFileSync(path, JSON.stringify({ splits: { train: { examples } }, estimate }));
  return path;
}

// 4,000 examples: auto is 3 epochs, as tokencheck estimated.
const report = writeReport('report.json', 4000, 3);
// 20,000 examples: auto is 1 epoch (25,000 example passes at most), though tokencheck was told 3.
const big = writeReport('big.json', 20_000, 3);

function makeCtx(params: Partial<TrainParams>, o: { yes?: boolean; configLimit?: number; report?: string | null; provider?: 'openai' | 'trainer' } = {}) {
  const warnings: string[] = [];
  const ctx = {
    address: 'p.yaml:train',
    params: { n_epochs: 'auto', batch_size: 'auto', learning_rate_multiplier: 'auto', ...params },
    inputs: o.report === null ? {} : { report: { path: o.report ?? report, hash: '', bytes: 0 } },
    config: { max_cost_usd: o.configLimit },
    providerIdentity: { type: o.provider ?? 'openai' },
    options: { yes: o.yes ?? false, force: false, verify: false },
    warn: (m: string) => warnings.push(m),
  } as unknown as StageContext<TrainParams>;
  return { ctx, warnings };
}

describe('estimateCost', () => {
  it("bills tokencheck's tokens per epoch over train's epochs", () => {
    expect(estimateCost(report, 'auto')).toEqual({ cost: 0.12, tokens: 300_000, epochs: 3 });
    expect(estimateCost(report, 6)).toEqual({ cost: 0.24, tokens: 600_000, epochs: 6 });
    expect(estimateCost(undefined, 4)).toBeNull();
  });

  it("uses OpenAI's auto rule on the example count for auto, not tokencheck's epochs", () => {
    expect(estimateCost(big, 'auto')).toEqual({ cost: 0.04, tokens: 100_000, epochs: 1 });
    expect(estimateCost(big, 2)).toEqual({ cost: 0.08, tokens: 200_000, epochs: 2 });
  });

  it('has no estimate without a price', () => {
    const path = join(dir, 'no-price.json');
    writeFileSync(path, JSON.stringify({ splits: { train: { examples: 50 } }, estimate: { n_epochs: 2, billed_tokens: 10, billed_tokens_per_epoch: 5, price_per_million_usd: null, cost_usd: null } }));
    expect(estimateCost(path, 'auto')).toBeNull();
  });
});

describe('checkCost', () => {
  it('stops above the limit with the estimate and the limit, params before config', async () => {
    await expect(checkCost(makeCtx({ max_cost_usd: 0.1 }, { configLimit: 100 }).ctx)).rejects.toThrow(/estimated training cost \$0\.12 \(300,000 billed tokens over 3 epochs\) exceeds max_cost_usd \$0\.1/);
    await expect(checkCost(makeCtx({ n_epochs: 1 }, { configLimit: 0.1 }).ctx)).resolves.toBeUndefined();
    await expect(checkCost(makeCtx({ n_epochs: 4 }, { configLimit: 0.1 }).ctx)).rejects.toThrow(expect.objectContaining({ code: 'TUNEFILE_COST' }));
    await expect(checkCost(makeCtx({ max_cost_usd: 0.1 }, { report: big }).ctx)).resolves.toBeUndefined();
  });

  it('lets --yes through with a warning, and warns when there is nothing to compare', async () => {
    const yes = makeCtx({ max_cost_usd: 0.01 }, { yes: true });
    await checkCost(yes.ctx);
    expect(yes.warnings[0]).toMatch(/training anyway because of --yes/);
    const blind = makeCtx({ max_cost_usd: 0.01 }, { report: null });
    await checkCost(blind.ctx);
    expect(blind.warnings[0]).toMatch(/no cost estimate/);
  });

  it("compares the higher of tokencheck's estimate and the provider's own quote", async () => {
    // tokencheck says $0.12; a quote above it is what the guard compares, one below it changes nothing.
    await expect(checkCost(makeCtx({ max_cost_usd: 0.2 }).ctx, async () => 0.5)).rejects.toThrow(/estimated training cost \$0\.50 \(the provider's own estimate\) exceeds max_cost_usd \$0\.20/);
    await expect(checkCost(makeCtx({ max_cost_usd: 0.1 }).ctx, async () => 0.01)).rejects.toThrow(/\$0\.12 \(300,000 billed tokens/);
    await expect(checkCost(makeCtx({ max_cost_usd: 0.2 }).ctx, async () => undefined)).resolves.toBeUndefined();
    // Without tokencheck's price, the quote alone stops the job.
    await expect(checkCost(makeCtx({ max_cost_usd: 1 }, { report: null }).ctx, async () => 3)).rejects.toThrow(expect.objectContaining({ code: 'TUNEFILE_COST' }));
    // Without a limit, the provider is not asked.
    let asked = false;
    await checkCost(makeCtx({}).ctx, async () => ((asked = true), 100));
    expect(asked).toBe(false);
  });

  it('does not price self-hosted training by tokens: a trainer provider passes with a warning', async () => {
    const { ctx, warnings } = makeCtx({ max_cost_usd: 0.01 }, { provider: 'trainer' });
    await expect(checkCost(ctx)).resolves.toBeUndefined();
    expect(warnings.join('\n')).toMatch(/self-hosted trainer has no token price/);
    await expect(checkCost(makeCtx({ max_cost_usd: 0.01 }).ctx)).rejects.toThrow(/exceeds max_cost_usd/);
  });

  it('warns about a failed quote and still stops on tokencheck\'s estimate', async () => {
    const failing = makeCtx({ max_cost_usd: 0.1 });
    await expect(checkCost(failing.ctx, async () => { throw new Error('503 unavailable'); })).rejects.toThrow(/\$0\.12/);
    expect(failing.warnings[0]).toMatch(/the provider's price estimate failed \(503 unavailable\); using tokencheck's estimate/);
  });
});
