// Issue 7, concurrency on the real SMS spam pipeline: one run holds the project while it trains; --no-wait exits 1
// naming the holder; status answers at once; a waiting run proceeds after; a SIGKILLed holder blocks nobody.
import { describe, expect, it } from 'vitest';
import { runCli, runJson } from '../helpers/cli.ts';
import { SMS_PIPELINE, checkBlobs, jobsPerKey, makeSmsProject, startRunUntil } from './sms.ts';

const SLOW = { TUNEFILE_LOCAL_STEP_DELAY_MS: '4' };

describe('two runs on one project (SMS spam pipeline)', () => {
  it('holder trains; --no-wait exits 1 naming it; status answers without waiting; a waiting run ends all cached', async () => {
    const dir = makeSmsProject({ rows: 1500 });
    const holder = startRunUntil([SMS_PIPELINE], dir, /^train: .*step \d+/m, SLOW);
    expect(await holder.seen, holder.output().stderr).toBe(true);

    const noWait = await runCli(['run', SMS_PIPELINE, '--no-wait'], { cwd: dir });
    expect(noWait.code).toBe(1);
    expect(noWait.stderr).toContain(`pid ${holder.child.pid}`);
    expect(noWait.stderr).not.toMatch(/^ {4}at /m);

    const started = Date.now();
    const status = await runCli(['status', SMS_PIPELINE, '--json'], { cwd: dir });
    const statusMs = Date.now() - started;
    expect(status.code, status.stderr).toBe(0);
    const states = Object.fromEntries((JSON.parse(status.stdout).stages as { id: string; state: string }[]).map((s) => [s.id, s.state]));
    expect(states.load).toBe('up-to-date');
    expect(states.evaluate).not.toBe('up-to-date');
    expect(holder.child.exitCode, `status took ${statusMs} ms and must not wait for the holder`).toBeNull();

    const waiter = await runJson([SMS_PIPELINE], { cwd: dir, env: SLOW });
    const held = await holder.done;
    expect(held.code, held.stderr).toBe(0);
    expect(waiter.code, waiter.stderr).toBe(0);
    expect(waiter.stderr).toContain('waiting for another tunefile run');
    expect(Object.values(waiter.status).every((s) => s === 'cached'), JSON.stringify(waiter.status)).toBe(true);
    expect(Object.values(jobsPerKey(dir))).toEqual([1]);
  });

  it('a holder killed with SIGKILL mid-train blocks nobody: the next --no-wait run takes over and adopts the same job', async () => {
    const dir = makeSmsProject({ rows: 1500 });
    const holder = startRunUntil([SMS_PIPELINE], dir, /^train: .*step \d+/m, SLOW);
    expect(await holder.seen, holder.output().stderr).toBe(true);
    holder.child.kill('SIGKILL');
    await holder.done;
    const jobsBefore = jobsPerKey(dir);
    expect(Object.values(jobsBefore)).toEqual([1]);

    const next = await runJson([SMS_PIPELINE, '--no-wait'], { cwd: dir });
    expect(next.code, next.stderr).toBe(0);
    expect(next.status.train).toBe('ran');
    expect(next.status.evaluate).toBe('ran');
    expect(jobsPerKey(dir)).toEqual(jobsBefore);
    expect(checkBlobs(dir)).toBeGreaterThan(0);
  });
});
