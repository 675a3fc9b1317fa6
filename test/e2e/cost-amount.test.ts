// Issue 15: the cost estimate is the billed tokens / 1e6 x the published price per 1M training tokens, in the
// tokencheck report, the lock file and the human "≈ $x" line; and the cost guards refuse an estimate just above
// max_cost_usd (exit 1, no job) and allow one just below. The billed tokens are counted again here with js-tiktoken
// (test/e2e/billed-tokens.ts, written from OpenAI's cookbook, not from src/tokens), and the prices are hard-coded.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runJson } from '../helpers/cli.ts';
import { SMS_PIPELINE, localJobs, makeSmsProject } from '../reliability/sms.ts';
import { cookbookTokens } from './billed-tokens.ts';

/**
 * OpenAI's published fine-tuning prices, USD per 1M *training* tokens (openai.com/api/pricing, "Fine-tuning" table,
 * training column; the values src/tokens/prices.ts holds as of 2025). Written here, not imported, so a change to the
 * table fails this test.
 */
const PUBLISHED_TRAINING_PRICE = { 'babbage-002': 0.4, 'davinci-002': 6 } as const;
/** sms-spam.yaml trains for 4 epochs (train.with.n_epochs), and tokencheck estimates with the train stage's epochs. */
const EPOCHS = 4;
const LOCK = 'pipelines/sms-spam.lock';

type Model = keyof typeof PUBLISHED_TRAINING_PRICE;

async function show(dir: string, ...args: string[]): Promise<string> {
  const r = await runCli(['show', SMS_PIPELINE, ...args], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

/** Billed tokens per epoch of the train split tokencheck passed on, as the provider counts the uploaded lines. */
async function expectedTokensPerEpoch(dir: string): Promise<number> {
  // davinci-002 and babbage-002 share one encoding, cl100k_base (tiktoken's model.py), which cookbookTokens files under babbage-002.
  return cookbookTokens(await show(dir, 'tokencheck', 'train'), 'babbage-002');
}

describe('the cost estimate and the cost guards', () => {
  for (const model of Object.keys(PUBLISHED_TRAINING_PRICE) as Model[]) {
    it.concurrent(`${model}: billed tokens / 1e6 x $${PUBLISHED_TRAINING_PRICE[model]} per 1M, in the report, the lock file and the ≈ $ line`, async () => {
      const dir = makeSmsProject({ rows: 300 }, 'tunefile-cost-');
      const run = await runCli(['run', SMS_PIPELINE, '--stage', 'tokencheck', '--set', `model=${model}`], { cwd: dir });
      expect(run.code, run.stderr).toBe(0);
      const perEpoch = await expectedTokensPerEpoch(dir);
      expect(perEpoch).toBeGreaterThan(3000); // 240 SMS texts: the amounts below are not rounding noise
      const billed = EPOCHS * perEpoch;
      const dollars = (billed / 1e6) * PUBLISHED_TRAINING_PRICE[model];

      const report = JSON.parse(await show(dir, 'tokencheck', 'report'));
      expect(report.model).toBe(model);
      expect(report.estimate).toMatchObject({ n_epochs: EPOCHS, billed_tokens_per_epoch: perEpoch, billed_tokens: billed, price_per_million_usd: PUBLISHED_TRAINING_PRICE[model] });
      // The report keeps 4 decimals (1/100 of a cent).
      expect(Math.abs(report.estimate.cost_usd - dollars)).toBeLessThanOrEqual(0.00005 + 1e-12);
      const lock = JSON.parse(readFileSync(join(dir, LOCK), 'utf8'));
      expect(lock.stages.tokencheck).toMatchObject({ estimated_cost_usd: report.estimate.cost_usd, estimated_billed_tokens: billed, n_epochs: EPOCHS });

      // The human line: `~N billed over 4 epochs ≈ $x`, x within half a unit of its last printed digit.
      const line = /^tokencheck: ran .* ~([\d,]+) billed over (\d+) epochs ≈ \$(\d+\.\d+)$/m.exec(run.stderr);
      expect(line, run.stderr).not.toBeNull();
      expect(Number(line![1]!.replace(/,/g, ''))).toBe(billed);
      expect(Number(line![2])).toBe(EPOCHS);
      const printed = line![3]!;
      const decimals = printed.split('.')[1]!.length;
      expect(Math.abs(Number(printed) - dollars)).toBeLessThanOrEqual(0.5 * 10 ** -decimals + 0.00005);
      expect(Number(printed)).toBeGreaterThan(0);
    }, 120_000);
  }

  it.concurrent('max_cost_usd just below the estimate refuses (exit 1, no job), just above allows: tokencheck and train', async () => {
    const dir = makeSmsProject({ rows: 300 }, 'tunefile-cost-');
    const model = ['--set', 'model=davinci-002'];
    const plain = await runJson([SMS_PIPELINE, '--stage', 'tokencheck', ...model], { cwd: dir });
    expect(plain.code, plain.stderr).toBe(0);
    const cost = (JSON.parse(await show(dir, 'tokencheck', 'report')) as { estimate: { cost_usd: number } }).estimate.cost_usd;
    const billed = EPOCHS * (await expectedTokensPerEpoch(dir));
    expect(Math.abs(cost - (billed / 1e6) * PUBLISHED_TRAINING_PRICE['davinci-002'])).toBeLessThanOrEqual(0.00005 + 1e-12);
    const below = (cost - 0.0001).toFixed(4);
    const above = (cost + 0.0001).toFixed(4);

    // tokencheck: the gate before money is spent.
    const refused = await runJson([SMS_PIPELINE, ...model, '--set', `tokencheck.with.max_cost_usd=${below}`], { cwd: dir });
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.status).toMatchObject({ tokencheck: 'failed', upload: 'skipped', train: 'skipped', evaluate: 'skipped' });
    const stageError = (r: typeof refused, id: string) => (r.report.stages as { id: string; error: string | null }[]).find((s) => s.id === id)!.error!;
    expect(stageError(refused, 'tokencheck')).toContain(`exceeds max_cost_usd $${Number(below).toFixed(2)} (${billed.toLocaleString('en-US')} billed tokens, ${EPOCHS} epochs)`);
    expect(stageError(refused, 'tokencheck')).toMatch(/^hint: raise max_cost_usd/m);
    expect(localJobs(dir)).toEqual([]);
    const allowed = await runJson([SMS_PIPELINE, '--stage', 'tokencheck', ...model, '--set', `tokencheck.with.max_cost_usd=${above}`], { cwd: dir });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.status.tokencheck).toBe('ran');

    // train: the guard just before the job is created.
    const stopped = await runJson([SMS_PIPELINE, ...model, '--set', `train.with.max_cost_usd=${below}`], { cwd: dir });
    expect(stopped.code, stopped.stderr).toBe(1);
    expect(stopped.status).toMatchObject({ tokencheck: 'cached', upload: 'ran', train: 'failed', evaluate: 'skipped' });
    expect(stageError(stopped, 'train')).toContain(`(${billed.toLocaleString('en-US')} billed tokens over ${EPOCHS} epochs) exceeds max_cost_usd $${Number(below).toFixed(2)}`);
    expect(stageError(stopped, 'train')).toMatch(/^hint: run again with --yes to accept the cost, or raise max_cost_usd/m);
    expect(localJobs(dir)).toEqual([]);

    const trained = await runJson([SMS_PIPELINE, ...model, '--set', `train.with.max_cost_usd=${above}`], { cwd: dir });
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.status).toMatchObject({ upload: 'cached', train: 'ran', evaluate: 'ran' });
    expect(localJobs(dir)).toHaveLength(1);
    // The provider's own count of what it trained on agrees with the estimate's tokens.
    const job = JSON.parse(await show(dir, 'train', 'job')) as { trained_tokens: number };
    expect(job.trained_tokens).toBe(billed);
  }, 120_000);
});
