// Issue 7, concurrency on the real SMS spam pipeline: one run holds the project while it trains; --no-wait exits 1
// naming the holder; status answers at once; a waiting run proceeds after; a SIGKILLed holder blocks nobody.
// The holder's job holds (TUNEFILE_LOCAL_HOLD) until the test releases it, so it is provably training meanwhile.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runJson, startCli, waitFor } from '../helpers/cli.ts';
import { holdAt } from '../helpers/hold.ts';
import { SMS_PIPELINE, checkBlobs, jobsPerKey, localJobs, makeSmsProject } from './sms.ts';

/** Starts a `tunefile run` whose train job holds before step 2; resolves once it holds. */
async function startHolder(dir: string) {
  const hold = holdAt(2);
  const holder = startCli(['run', SMS_PIPELINE], { cwd: dir, env: hold.env });
  const held = await hold.held({ gone: () => (holder.child.exitCode === null ? undefined : `the holder exited: ${holder.output().stderr}`) });
  return { ...holder, hold, held };
}

describe('two runs on one project (SMS spam pipeline)', () => {
  it('holder trains; --no-wait exits 1 naming it; status answers without waiting; a waiting run ends all cached', async () => {
    const dir = makeSmsProject({ rows: 1500 });
    const holder = await startHolder(dir);

    const noWait = await runCli(['run', SMS_PIPELINE, '--no-wait'], { cwd: dir });
    expect(noWait.code).toBe(1);
    expect(noWait.stderr).toContain(`pid ${holder.child.pid}`);
    expect(noWait.stderr).not.toMatch(/^ {4}at /m);

    // status ends while the holder's job is held (released only below), so status did not wait for the run.
    const status = await runCli(['status', SMS_PIPELINE, '--json'], { cwd: dir });
    expect(status.code, status.stderr).toBe(0);
    const states = Object.fromEntries((JSON.parse(status.stdout).stages as { id: string; state: string }[]).map((s) => [s.id, s.state]));
    expect(states.load).toBe('up-to-date');
    expect(states.evaluate).not.toBe('up-to-date');
    expect(holder.child.exitCode).toBeNull();

    // A run without --no-wait waits for the holder; only then is the holder's job released.
    const waiter = startCli(['run', SMS_PIPELINE, '--json'], { cwd: dir });
    await waitFor(() => waiter.output().stderr.includes('waiting for another tunefile run'), 60_000, 'the second run to wait');
    expect(holder.child.exitCode).toBeNull();
    holder.hold.release();
    const held = await holder.done;
    expect(held.code, held.stderr).toBe(0);
    const waited = await waiter.done;
    expect(waited.code, waited.stderr).toBe(0);
    const report = JSON.parse(waited.stdout) as { stages: { id: string; status: string }[] };
    expect(report.stages.every((s) => s.status === 'cached'), JSON.stringify(report.stages)).toBe(true);
    expect(Object.values(jobsPerKey(dir))).toEqual([1]);
  }, 120_000);

  it('a holder killed with SIGKILL mid-train blocks nobody: the next --no-wait run takes over and adopts the same job', async () => {
    const dir = makeSmsProject({ rows: 1500 });
    const holder = await startHolder(dir);
    holder.child.kill('SIGKILL');
    await holder.done;
    // Killed while its job ran (held before step 2): the job is still running on disk.
    expect(localJobs(dir).map((j) => [j.id, j.status])).toEqual([[holder.held.job_id, 'running']]);
    const jobsBefore = jobsPerKey(dir);

    const next = await runJson([SMS_PIPELINE, '--no-wait'], { cwd: dir });
    expect(next.code, next.stderr).toBe(0);
    expect(next.status.train).toBe('ran');
    expect(next.status.evaluate).toBe('ran');
    expect(jobsPerKey(dir)).toEqual(jobsBefore);
    const lock = JSON.parse(readFileSync(join(dir, 'pipelines', 'sms-spam.lock'), 'utf8')) as { stages: { train: { job_id: string } } };
    expect(lock.stages.train.job_id).toBe(holder.held.job_id);
    expect(checkBlobs(dir)).toBeGreaterThan(0);
  }, 120_000);
});
