// Issue 2 acceptance: caching, reasons, early cutoff, run-cache, reproducible locks, crash safety, locking, parallelism.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cloneProject, makeProject, runCli, runJson, startCli, waitFor } from '../helpers/cli.ts';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'engine');
const fixtureFiles = () => ({
  'pipeline.yaml': readFileSync(join(FIXTURE, 'pipeline.yaml'), 'utf8'),
  'work.mjs': readFileSync(join(FIXTURE, 'work.mjs'), 'utf8'),
});
const starts = (dir: string) => (existsSync(join(dir, 'runs.log')) ? readFileSync(join(dir, 'runs.log'), 'utf8').trim().split('\n').length : 0);
const edit = (dir: string, from: string, to: string) => {
  const file = join(dir, 'pipeline.yaml');
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  writeFileSync(file, text.replace(from, to));
};

/** Every blob's bytes hash to its name: nothing half-written is visible. */
function assertBlobsIntact(dir: string) {
  const root = join(dir, '.tunefile', 'cache', 'blobs');
  if (!existsSync(root)) return 0;
  let n = 0;
  for (const shard of readdirSync(root)) {
    for (const name of readdirSync(join(root, shard))) {
      expect(createHash('sha256').update(readFileSync(join(root, shard, name))).digest('hex')).toBe(name);
      n++;
    }
  }
  return n;
}

describe('tunefile run: caching and reasons', () => {
  it('runs 4 command stages, then caches all of them without starting any program', async () => {
    const dir = makeProject(fixtureFiles());
    const first = await runJson([], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(first.status).toEqual({ gen: 'ran', scale: 'ran', total: 'ran', report: 'ran' });
    expect(starts(dir)).toBe(4);
    expect(first.report.stages[3].outputs.report.bytes).toBeGreaterThan(0);
    expect(readFileSync(first.report.stages[3].outputs.report.path, 'utf8')).toBe('total is 30\n');

    const second = await runJson([], { cwd: dir });
    expect(second.code).toBe(0);
    expect(second.status).toEqual({ gen: 'cached', scale: 'cached', total: 'cached', report: 'cached' });
    expect(starts(dir)).toBe(4);
    expect(second.report.stages.map((s: { key: string }) => s.key)).toEqual(first.report.stages.map((s: { key: string }) => s.key));
  });

  it('reruns exactly an edited stage and its dependents, explains why, and restores the old key from the run-cache', async () => {
    const dir = makeProject(fixtureFiles());
    expect((await runJson([], { cwd: dir })).code).toBe(0);
    edit(dir, 'FACTOR: "2"', 'FACTOR: "3"');

    const status = await runCli(['status', '--json'], { cwd: dir });
    expect(status.code, status.stderr).toBe(0);
    const states = JSON.parse(status.stdout).stages as { id: string; state: string; reasons: string[] }[];
    expect(states.map((s) => s.state)).toEqual(['up-to-date', 'stale', 'stale', 'stale']);
    expect(states[1]!.reasons.join(' ')).toContain('with.env.FACTOR "2" -> "3"');
    expect(states[2]!.reasons.join(' ')).toContain("upstream stage 'scale'");

    const rerun = await runJson([], { cwd: dir });
    expect(rerun.status).toEqual({ gen: 'cached', scale: 'ran', total: 'ran', report: 'ran' });
    expect(rerun.report.stages[1].reasons.join(' ')).toContain('with.env.FACTOR "2" -> "3"');
    expect(starts(dir)).toBe(4 + 3);

    edit(dir, 'FACTOR: "3"', 'FACTOR: "2"');
    const back = await runJson([], { cwd: dir });
    expect(back.status).toEqual({ gen: 'cached', scale: 'cached', total: 'cached', report: 'cached' });
    expect(starts(dir)).toBe(7);
  });

  it('applies early cutoff: a change with identical output bytes reruns only that stage', async () => {
    const dir = makeProject(fixtureFiles());
    expect((await runJson([], { cwd: dir })).code).toBe(0);
    edit(dir, 'NOTE: "first"', 'NOTE: "second"');
    const rerun = await runJson([], { cwd: dir });
    expect(rerun.status).toEqual({ gen: 'cached', scale: 'ran', total: 'cached', report: 'cached' });
    expect(starts(dir)).toBe(5);
  });

  it('treats --set like an edit of the file, and --force reruns a cached stage', async () => {
    const dir = makeProject(fixtureFiles());
    expect((await runJson([], { cwd: dir })).code).toBe(0);
    const set = await runJson(['--set', 'params.n=6'], { cwd: dir });
    expect(set.status).toEqual({ gen: 'ran', scale: 'ran', total: 'ran', report: 'ran' });
    expect(readFileSync(set.report.stages[3].outputs.report.path, 'utf8')).toBe('total is 42\n');
    const forced = await runJson(['--force', 'total'], { cwd: dir });
    expect(forced.status).toEqual({ gen: 'cached', scale: 'cached', total: 'ran', report: 'cached' });
    expect(forced.report.stages[2].reasons[0]).toBe('forced');
  });

  it('writes byte-identical lock files in two fresh clones', async () => {
    const a = makeProject(fixtureFiles());
    const b = cloneProject(a);
    expect((await runJson([], { cwd: a })).code).toBe(0);
    expect((await runJson([], { cwd: b })).code).toBe(0);
    const lockA = readFileSync(join(a, 'pipeline.lock'), 'utf8');
    expect(lockA).toBe(readFileSync(join(b, 'pipeline.lock'), 'utf8'));
    expect(lockA).not.toContain(a);
    const lock = JSON.parse(lockA);
    expect(Object.keys(lock.stages)).toEqual(['gen', 'report', 'scale', 'total']);
    expect(lock.stages.gen.deps).toEqual({ 'work.mjs': expect.stringMatching(/^[0-9a-f]{64}$/) });
  });
});

describe('tunefile run: failures, crashes and concurrency', () => {
  it('stops at a failed stage with its stderr tail, or keeps going with --keep-going', async () => {
    const dir = makeProject({
      ...fixtureFiles(),
      'pipeline.yaml': `version: 1
name: failing
stages:
  bad:
    uses: command
    with: { run: [node, work.mjs, fail, "{out.x}", "-"] }
  after_bad:
    uses: command
    with: { run: [node, work.mjs, report, "{out.y}", "-", "{in.x}"] }
  independent:
    uses: command
    needs: []
    with: { run: [node, work.mjs, gen, "{out.z}", "3"] }
`,
    });
    const stop = await runJson(['--jobs', '1'], { cwd: dir });
    expect(stop.code).toBe(1);
    expect(stop.status.bad).toBe('failed');
    expect(stop.status.after_bad).toBe('skipped');
    expect(stop.report.stages[0].error).toContain('exited with code 3');
    expect(stop.report.stages[0].error).toContain('disk quota exceeded');

    const going = await runJson(['--keep-going', '--jobs', '1'], { cwd: dir });
    expect(going.code).toBe(1);
    expect(going.status).toEqual({ bad: 'failed', after_bad: 'skipped', independent: 'ran' });
    const plain = await runCli(['run'], { cwd: dir });
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain('disk quota exceeded');
    expect(plain.stderr).not.toMatch(/\n\s+at .*\.ts:\d+/);
  });

  it('survives SIGKILL mid-stage: no half-written blob, and the next run completes', async () => {
    const dir = makeProject({
      ...fixtureFiles(),
      'pipeline.yaml': `version: 1
name: crash
stages:
  first:
    uses: command
    with: { run: [node, work.mjs, gen, "{out.numbers}", "4"] }
  slow:
    uses: command
    with: { run: [node, work.mjs, slowwrite, "{out.data}", "1500"] }
`,
    });
    const run = startCli(['run'], { cwd: dir });
    await waitFor(() => existsSync(join(dir, 'runs.log')) && readFileSync(join(dir, 'runs.log'), 'utf8').includes('slowwrite'), 20_000, 'slow stage to start');
    run.child.kill('SIGKILL');
    await run.done;
    expect(assertBlobsIntact(dir)).toBe(1);
    const again = await runJson([], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(again.status).toEqual({ first: 'cached', slow: 'ran' });
    expect(readFileSync(again.report.stages[1].outputs.data.path, 'utf8')).toBe('partial-complete\n');
    expect(assertBlobsIntact(dir)).toBe(2);
    const verify = await runJson(['--verify'], { cwd: dir });
    expect(verify.status).toEqual({ first: 'cached', slow: 'cached' });
  });

  it('lets one run hold the project: --no-wait exits 1 naming the holder, a waiting run proceeds after it', async () => {
    const dir = makeProject({
      ...fixtureFiles(),
      'pipeline.yaml': `version: 1
name: locked
stages:
  slow:
    uses: command
    with: { run: [node, work.mjs, stamp, "{out.x}", "2500"] }
`,
    });
    const holder = startCli(['run'], { cwd: dir });
    await waitFor(() => existsSync(join(dir, 'runs.log')), 20_000, 'holder to start its stage');
    const noWait = await runCli(['run', '--no-wait'], { cwd: dir });
    expect(noWait.code).toBe(1);
    expect(noWait.stderr).toContain(`pid ${holder.child.pid}`);
    const status = await runCli(['status', '--json'], { cwd: dir });
    expect(status.code).toBe(0);
    const waiter = await runJson([], { cwd: dir });
    expect((await holder.done).code).toBe(0);
    expect(waiter.code).toBe(0);
    expect(waiter.stderr).toContain('waiting for another tunefile run');
    expect(waiter.status).toEqual({ slow: 'cached' });
  });

  it('takes the lock over from a holder killed with SIGKILL', async () => {
    const dir = makeProject({
      ...fixtureFiles(),
      'pipeline.yaml': `version: 1
name: dead-holder
stages:
  slow:
    uses: command
    with: { run: [node, work.mjs, stamp, "{out.x}", "3000"] }
`,
    });
    const holder = startCli(['run'], { cwd: dir });
    await waitFor(() => existsSync(join(dir, '.tunefile', 'run.lock')), 20_000, 'lock file');
    holder.child.kill('SIGKILL');
    await holder.done;
    const next = await runJson(['--no-wait'], { cwd: dir });
    expect(next.code, next.stderr).toBe(0);
  });

  it('runs two independent stages at the same time with --jobs 2 (each waits to see the other start)', async () => {
    const dir = makeProject({
      ...fixtureFiles(),
      'pipeline.yaml': `version: 1
name: parallel
stages:
  a:
    uses: command
    with: { run: [node, work.mjs, rendezvous, "{out.a}", b, a] }
  b:
    uses: command
    needs: []
    with: { run: [node, work.mjs, rendezvous, "{out.b}", a, b] }
`,
    });
    const result = await runJson(['--jobs', '2'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(result.report.stages[0].outputs.a.path, 'utf8')).toBe('met\n');
    expect(readFileSync(result.report.stages[1].outputs.b.path, 'utf8')).toBe('met\n');
  }, 90_000);
});
