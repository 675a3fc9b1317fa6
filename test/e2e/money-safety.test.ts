// e2e: a rerun never starts a second job: after SIGKILL, after losing state.db, and after Ctrl-C (which cancels nothing).
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runJson, startCli, waitFor } from '../helpers/cli.ts';
import { holdAt } from '../helpers/hold.ts';
import { makeSampleProject, readLock, readProviderState, withProvider } from './pipeline-support.ts';

/**
 * Starts `tunefile run` with its job held before step 2 (TUNEFILE_LOCAL_HOLD, never released: the run is interrupted
 * there) and resolves once train has printed that it polls the job; returns the child and the job id.
 */
async function startUntilTraining(project: string) {
  const hold = holdAt(2);
  const run = startCli(['run'], { cwd: project, env: hold.env });
  const { job_id: jobId } = await hold.held({ gone: () => (run.child.exitCode === null ? undefined : `the run exited: ${run.output().stderr}`) });
  await waitFor(() => run.output().stderr.includes(`train: ${jobId} running`), 60_000, 'train to poll the running job');
  return { ...run, jobId };
}

/** The job's status in the project's local provider folder, read from disk (no server resumes it). */
function statusOnDisk(project: string, jobId: string): string {
  return (JSON.parse(readFileSync(join(project, '.tunefile', 'local', 'jobs', jobId, 'job.json'), 'utf8')) as { job: { status: string } }).job.status;
}

/** Reruns to completion and checks that exactly one job exists for train's key, the first one. */
async function expectRerunAdopts(project: string, jobId: string) {
  const rerun = await runJson([], { cwd: project });
  expect(rerun.code, rerun.stderr).toBe(0);
  expect(rerun.status.train).toBe('ran');
  const lock = readLock(project);
  expect(lock.stages.train!.job_id).toBe(jobId);
  const { jobs, uploads } = await readProviderState(project);
  expect(jobs.filter((j) => j.metadata?.tunefile_key === lock.stages.train!.key).map((j) => j.id)).toEqual([jobId]);
  expect(jobs).toHaveLength(1);
  expect(jobs[0]!.status).toBe('succeeded');
  expect(uploads).toHaveLength(2);
  return rerun;
}

describe('money safety on the local provider', () => {
  it('SIGKILL while train polls: the rerun adopts the one job through the journal', async () => {
    const project = makeSampleProject();
    const run = await startUntilTraining(project);
    run.child.kill('SIGKILL');
    expect((await run.done).signal).toBe('SIGKILL');
    expect(statusOnDisk(project, run.jobId)).toBe('running');
    const rerun = await expectRerunAdopts(project, run.jobId);
    expect(rerun.stderr).toContain(`resuming job ${run.jobId}`);
  }, 120_000);

  it('SIGKILL and then state.db deleted: the rerun finds the job by metadata and reuses the uploads', async () => {
    const project = makeSampleProject();
    const run = await startUntilTraining(project);
    run.child.kill('SIGKILL');
    await run.done;
    expect(statusOnDisk(project, run.jobId)).toBe('running');
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(project, '.tunefile', `state.db${suffix}`), { force: true });
    const rerun = await expectRerunAdopts(project, run.jobId);
    expect(rerun.status.upload).toBe('ran');
    expect(rerun.stderr).toContain(`adopting job ${run.jobId}`);
  }, 120_000);

  it('Ctrl-C exits 130 with the job id, and the job is not cancelled', async () => {
    const project = makeSampleProject();
    const run = await startUntilTraining(project);
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain(`job ${run.jobId} keeps running; rerun to resume watching it`);
    expect(result.stderr).toMatch(/resumes the job on the next run/);
    expect(statusOnDisk(project, run.jobId)).toBe('running');
    const job = await withProvider(project, (client) => client.fineTuning.jobs.retrieve(run.jobId));
    expect(job.status).not.toBe('cancelled');
    expect(job.status).not.toBe('failed');
    await expectRerunAdopts(project, run.jobId);

    // Only --force starts another job for the same key; it never adopts the old one.
    const forced = await runJson(['--force', 'train'], { cwd: project });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.status.upload).toBe('cached');
    expect(forced.status.train).toBe('ran');
    const { jobs } = await readProviderState(project);
    expect(jobs).toHaveLength(2);
    expect(new Set(jobs.map((j) => j.metadata?.tunefile_key)).size).toBe(1);
    expect(readLock(project).stages.train!.job_id).not.toBe(run.jobId);
  }, 120_000);
});
