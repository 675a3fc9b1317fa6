// e2e: provider faults and the cost guard: a failing job, a file deleted on the provider, an estimate above max_cost_usd.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runJson } from '../helpers/cli.ts';
import { makeSampleProject, readLock, readProviderState, withProvider } from './pipeline-support.ts';

describe('faults on the local provider', () => {
  it('a job the provider fails exits 1 with its message, caches nothing, and a rerun retries with a new job', async () => {
    const project = makeSampleProject();
    const failed = await runJson([], { cwd: project, env: { TUNEFILE_LOCAL_FAIL_AT_STEP: '3' } });
    expect(failed.code).toBe(1);
    expect(failed.status.train).toBe('failed');
    expect(failed.status.evaluate).toBe('skipped');
    const train = failed.report.stages.find((s: { id: string }) => s.id === 'train');
    expect(train.error).toMatch(/fine-tuning job ftjob-\w+ failed: injected failure at step 3/);
    expect(readLock(project).stages.train).toBeUndefined();

    const retry = await runJson([], { cwd: project });
    expect(retry.code, retry.stderr).toBe(0);
    expect(retry.status.upload).toBe('cached');
    expect(retry.status.train).toBe('ran');
    const { jobs } = await readProviderState(project);
    expect(jobs.map((j) => j.status).sort()).toEqual(['failed', 'succeeded']);
    expect(new Set(jobs.map((j) => j.metadata?.tunefile_key)).size).toBe(1);
  }, 120_000);

  it('a file deleted on the provider is uploaded again by the next run that trains; a run that reads nothing from it does not check', async () => {
    const project = makeSampleProject();
    const first = await runJson([], { cwd: project });
    expect(first.code, first.stderr).toBe(0);
    const before = readLock(project).stages.upload!.files as { train: string; valid: string };
    await withProvider(project, (client) => client.files.delete(before.train));

    // Everything cached: nothing reads the file ids, so upload's cache hit is not checked (and the provider not started).
    const noop = await runJson([], { cwd: project });
    expect(noop.code, noop.stderr).toBe(0);
    expect(Object.values(noop.status)).toEqual(Array(8).fill('cached'));
    expect((await readProviderState(project)).uploads.map((f) => f.id)).toEqual([before.valid]);

    // A changed hyperparameter makes train run: upload's cache hit is checked first, and the file uploaded again.
    const retrain = await runJson(['--set', 'train.with.n_epochs=3'], { cwd: project });
    expect(retrain.code, retrain.stderr).toBe(0);
    expect(retrain.status.upload).toBe('ran');
    expect(retrain.status.train).toBe('ran');
    const after = readLock(project).stages.upload!.files as { train: string; valid: string };
    expect(after.train).not.toBe(before.train);
    expect(after.valid).toBe(before.valid);
    const { jobs, uploads } = await readProviderState(project);
    expect(jobs).toHaveLength(2);
    expect(new Set(jobs.map((j) => j.training_file))).toEqual(new Set([before.train, after.train]));
    expect(uploads.map((f) => f.id).sort()).toEqual([after.train, after.valid].sort());
  }, 120_000);

  it('a provider that lost both the files and the job: a run whose evaluate must run uploads again before it trains again', async () => {
    const project = makeSampleProject();
    const first = await runJson([], { cwd: project });
    expect(first.code, first.stderr).toBe(0);
    const before = readLock(project).stages.train!;
    rmSync(join(project, '.tunefile', 'local'), { recursive: true, force: true }); // the local provider's files and jobs

    const noop = await runJson([], { cwd: project });
    expect(noop.code, noop.stderr).toBe(0);
    expect(Object.values(noop.status)).toEqual(Array(8).fill('cached'));

    // evaluate must run, so train's job is checked (gone: train runs), so upload's files are checked first (gone: upload runs).
    const rerun = await runJson(['--set', 'evaluate.with.batch_size=7'], { cwd: project });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect([rerun.status.upload, rerun.status.train, rerun.status.evaluate]).toEqual(['ran', 'ran', 'ran']);
    expect(readLock(project).stages.train!.key).toBe(before.key);
    const { jobs, uploads } = await readProviderState(project);
    expect(jobs).toHaveLength(1);
    expect(uploads).toHaveLength(2);
  }, 120_000);

  it('the cost guard stops a run whose estimate exceeds max_cost_usd before any job, and --yes lets it through', async () => {
    const project = makeSampleProject((yaml) => yaml.replace('with: { n_epochs: 4, seed: "${params.seed}" }', 'with: { n_epochs: 4, seed: "${params.seed}", max_cost_usd: 0.001 }'));
    const stopped = await runCli(['run'], { cwd: project });
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/estimated training cost \$0\.\d+ \([\d,]+ billed tokens over 4 epochs\) exceeds max_cost_usd \$0\.001/);
    expect(stopped.stderr).toContain('--yes');
    expect((await readProviderState(project)).jobs).toHaveLength(0);

    const accepted = await runJson(['--yes'], { cwd: project });
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.status.train).toBe('ran');
    expect((await readProviderState(project)).jobs).toHaveLength(1);

    const outside = await runCli(['run', '--set', 'evaluate.with.report=../outside-report'], { cwd: project });
    expect(outside.code).toBe(1);
    expect(outside.stderr).toMatch(/report folder \.\.\/outside-report is outside the project/);
  }, 120_000);
});
