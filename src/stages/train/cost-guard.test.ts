// The cost guard: tokencheck's estimate scaled to train's epochs, the limit from params or config, and --yes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StageContext } from '../types.ts';
import { checkCost, estimateCost } from './cost-guard.ts';
import type { TrainParams } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'tunefile-cost-'));
const report = join(dir, 'report.json');
writeFileSync(report, JSON.stringify({ estimate: { n_epochs: 3, billed_tokens: 300_000, cost_usd: 0.12 } }));

function makeCtx(params: Partial<TrainParams>, o: { yes?: boolean; configLimit?: number; report?: string | null } = {}) {
  const warnings: string[] = [];
  const ctx = {
    address: 'p.yaml:train',
    params: { n_epochs: 'auto', batch_size: 'auto', learning_rate_multiplier: 'auto', ...params },
    inputs: o.report === null ? {} : { report: { path: o.report ?? report, hash: '', bytes: 0 } },
    config: { max_cost_usd: o.configLimit },
    options: { yes: o.yes ?? false, force: false, verify: false },
    warn: (m: string) => warnings.push(m),
  } as unknown as StageContext<TrainParams>;
  return { ctx, warnings };
}

describe('estimateCost', () => {
  it("scales tokencheck's estimate to train's epochs", () => {
    expect(estimateCost(report, 'auto')).toEqual({ cost: 0.12, tokens: 300_000, epochs: 3 });
    expect(estimateCost(report, 6)).toEqual({ cost: 0.24, tokens: 600_000, epochs: 6 });
    expect(estimateCost(undefined, 4)).toBeNull();
  });
});

describe('checkCost', () => {
  it('stops above the limit with the estimate and the limit, params before config', () => {
    expect(() => checkCost(makeCtx({ max_cost_usd: 0.1 }, { configLimit: 100 }).ctx)).toThrow(/estimated training cost \$0\.12 \(300,000 billed tokens over 3 epochs\) exceeds max_cost_usd \$0\.1/);
    expect(() => checkCost(makeCtx({ n_epochs: 1 }, { configLimit: 0.1 }).ctx)).not.toThrow();
    expect(() => checkCost(makeCtx({ n_epochs: 4 }, { configLimit: 0.1 }).ctx)).toThrow(expect.objectContaining({ code: 'TUNEFILE_COST' }));
  });

  it('lets --yes through with a warning, and warns when there is nothing to compare', () => {
    const yes = makeCtx({ max_cost_usd: 0.01 }, { yes: true });
    checkCost(yes.ctx);
    expect(yes.warnings[0]).toMatch(/training anyway because of --yes/);
    const blind = makeCtx({ max_cost_usd: 0.01 }, { report: null });
    checkCost(blind.ctx);
    expect(blind.warnings[0]).toMatch(/no cost estimate/);
  });
});
