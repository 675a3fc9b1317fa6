// e2e: pipelines/sms-spam.yaml from a fresh clone on the local provider: accuracy, a fully cached rerun, and an epochs change.
// One full run (beforeAll) is shared: tests only read that project; a test that runs the pipeline again or deletes
// files works on its own copy of it (.tunefile/ included), so every test passes alone and in any order.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runJson } from '../helpers/cli.ts';
import { copyProject } from '../helpers/project-copy.ts';
import { smsSpamFacts } from '../helpers/sms-spam-facts.ts';
import { cloneExample, readLock, readProviderState, withProvider, type ProviderState } from './pipeline-support.ts';
import { cookbookTokens } from './billed-tokens.ts';

const PIPELINE = 'pipelines/sms-spam.yaml';
const DATA_STAGES = ['load', 'dedupe', 'suffix', 'split'];

describe('pipelines/sms-spam.yaml on the local provider', () => {
  /** The project after the first run: read it, never run the CLI in it or change its files. */
  let project: string;
  let first: Awaited<ReturnType<typeof runJson>>;
  let afterFirst: ProviderState;
  /** A copy of `project` as the first run left it, for a test that runs again. */
  const copyOfFirstRun = () => copyProject(project, 'tunefile-sms-spam-copy-');

  beforeAll(async () => {
    project = cloneExample('sms-spam');
    first = await runJson([PIPELINE], { cwd: project });
    afterFirst = await readProviderState(project);
  }, 120_000);

  it('runs every stage and reaches validation accuracy >= 0.95 in metrics.json', () => {
    expect(first.code, first.stderr).toBe(0);
    expect(Object.values(first.status).every((s) => s === 'ran')).toBe(true);
    const metrics = JSON.parse(readFileSync(join(project, 'reports', 'sms-spam', 'metrics.json'), 'utf8'));
    expect(metrics.accuracy).toBeGreaterThanOrEqual(0.95);
    // valid: 0.2 of the rows dedupe keeps (the distinct texts of the raw file, counted by the test).
    expect(metrics.n).toBe(Math.round(0.2 * smsSpamFacts().distinct));
    expect(metrics.binary.positive).toBe('spam');
    expect(metrics.binary.auroc).toBeGreaterThan(0.95);
    expect(readFileSync(join(project, 'reports', 'sms-spam', 'report.md'), 'utf8')).toMatch(/accuracy/i);
    expect(readFileSync(join(project, 'reports', 'sms-spam', 'report.html'), 'utf8')).toContain('<svg');
  });

  it('records file ids, the job and headline metrics in the lock file', () => {
    const lock = readLock(project, 'pipelines/sms-spam.lock');
    const job = afterFirst.jobs[0]!;
    expect(afterFirst.jobs).toHaveLength(1);
    expect(job.status).toBe('succeeded');
    expect(job.metadata?.tunefile_key).toBe(lock.stages.train!.key);
    expect(lock.stages.train!.job_id).toBe(job.id);
    expect(lock.stages.train!.fine_tuned_model).toBe(job.fine_tuned_model);
    expect(Object.values(lock.stages.upload!.files).sort()).toEqual(afterFirst.uploads.map((f) => f.id).sort());
    expect(lock.stages.evaluate!.metrics).toMatchObject({ n: expect.any(Number), accuracy: expect.any(Number), macro_f1: expect.any(Number), auroc: expect.any(Number) });
  });

  it("estimates what the provider bills: train's 4 epochs of the uploaded prompt/completion file", async () => {
    const lock = readLock(project, 'pipelines/sms-spam.lock');
    const estimate = lock.stages.tokencheck!.estimated_billed_tokens as number;
    const trained = afterFirst.jobs[0]!.trained_tokens!;
    expect(lock.stages.tokencheck!.n_epochs).toBe(4);
    expect(first.stderr).toMatch(/tokencheck: .*~[\d,]+ billed over 4 epochs/);
    expect(Math.abs(estimate - trained) / trained).toBeLessThanOrEqual(0.05);
    // The test's own count over the bytes the provider holds: the cookbook formula, times train's epochs.
    const uploaded = await withProvider(project, async (client) => (await client.files.content(lock.stages.upload!.files.train)).text());
    const billed = 4 * cookbookTokens(uploaded, 'babbage-002');
    expect(Math.abs(estimate - billed) / billed).toBeLessThanOrEqual(0.05);
    expect(trained).toBe(billed);
    expect(estimate).toBe(billed);
  }, 60_000);

  it('a second run is fully cached: no new job, no new upload', async () => {
    const copy = copyOfFirstRun();
    const second = await runJson([PIPELINE], { cwd: copy });
    expect(second.code, second.stderr).toBe(0);
    expect(Object.values(second.status).every((s) => s === 'cached')).toBe(true);
    const after = await readProviderState(copy);
    expect(after.jobs.map((j) => j.id)).toEqual(afterFirst.jobs.map((j) => j.id));
    expect(after.uploads.map((f) => f.id).sort()).toEqual(afterFirst.uploads.map((f) => f.id).sort());
  }, 60_000);

  it('a cached evaluate writes the report folder again when it was deleted, without calling the model', async () => {
    const copy = copyOfFirstRun();
    const reports = join(copy, 'reports', 'sms-spam');
    const before = readFileSync(join(project, 'reports', 'sms-spam', 'report.md'), 'utf8');
    rmSync(reports, { recursive: true });
    const again = await runJson([PIPELINE], { cwd: copy });
    expect(again.code, again.stderr).toBe(0);
    expect(again.status.evaluate).toBe('cached');
    expect(readFileSync(join(reports, 'report.md'), 'utf8')).toBe(before);
    expect(existsSync(join(reports, 'report.html'))).toBe(true);
    expect(existsSync(join(reports, 'metrics.json'))).toBe(true);
  }, 60_000);

  it('changing train.with.n_epochs reruns tokencheck (its estimate follows), train and evaluate; upload stays cached', async () => {
    const copy = copyOfFirstRun();
    const changed = await runJson([PIPELINE, '--set', 'train.with.n_epochs=2'], { cwd: copy });
    expect(changed.code, changed.stderr).toBe(0);
    for (const id of [...DATA_STAGES, 'upload']) expect(changed.status[id], id).toBe('cached');
    expect(changed.status.tokencheck).toBe('ran');
    expect(changed.stderr).toMatch(/tokencheck: .*billed over 2 epochs/);
    expect(changed.status.train).toBe('ran');
    expect(changed.status.evaluate).toBe('ran');
    const after = await readProviderState(copy);
    expect(after.jobs).toHaveLength(2);
    expect(after.uploads).toHaveLength(afterFirst.uploads.length);
    const newest = after.jobs.find((j) => !afterFirst.jobs.some((o) => o.id === j.id))!;
    expect(newest.method?.supervised?.hyperparameters?.n_epochs).toBe(2);
  }, 90_000);
});
