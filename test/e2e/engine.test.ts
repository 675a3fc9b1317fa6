// Issue 2 acceptance: caching, reasons, early cutoff, run-cache, reproducible locks, crash safety, locking, parallelism.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cloneProject, makeProject, runCli, runJson, startCli as startCliNow, waitFor } from '../helpers/cli.ts';

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

/** Runs started by a test; one still running when the test ends (it failed) is killed, and its held program ends. */
const live = new Set<ReturnType<typeof startCliNow>>();
afterEach(() => {
  for (const run of live) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  live.clear();
});
const startCli: typeof startCliNow = (args, options) => {
  const run = startCliNow(args, options);
  live.add(run);
  return run;
};

/** Waits until work.mjs (hold or slowwrite mode) announces, in NAME.started, that it runs and waits for NAME.release. */
async function started(dir: string, name: string): Promise<{ pid: number; out: string }> {
  const file = join(dir, `${name}.started`);
  await waitFor(() => existsSync(file), 30_000, `the program to start (${name}.started)`);
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Whether `pid` is a live process (a zombie waiting for its reaper holds nothing and counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
  } catch {
    return false;
  }
}

/** Waits for a program whose tunefile was SIGKILLed to end by itself (work.mjs exits once its parent is gone). */
const gone = (pid: number) => waitFor(() => !alive(pid), 30_000, `program ${pid} to end after its parent was killed`);

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
    with: { run: [node, work.mjs, slowwrite, "{out.data}", slow] }
`,
    });
    const run = startCli(['run'], { cwd: dir });
    // The program has written half of its output and cannot write the rest until slow.release exists: the kill below
    // lands mid-write, whatever the machine's speed.
    const { pid, out } = await started(dir, 'slow');
    expect(readFileSync(out, 'utf8')).toBe('partial-');
    run.child.kill('SIGKILL');
    const killed = await run.done;
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.stderr).toMatch(/^slow: running/m);
    expect(killed.stderr).not.toMatch(/^slow: (ran|cached)/m);
    await gone(pid); // the orphaned program ends by itself once tunefile is gone, without writing the rest
    expect(readFileSync(out, 'utf8')).toBe('partial-');
    expect(assertBlobsIntact(dir)).toBe(1);
    writeFileSync(join(dir, 'slow.release'), '');
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
    with: { run: [node, work.mjs, hold, "{out.x}", slow] }
`,
    });
    const holder = startCli(['run'], { cwd: dir });
    // The holder is inside its stage, which ends only when the test creates slow.release: it holds the lock throughout.
    await started(dir, 'slow');
    // A run that got the lock anyway would block in the held stage: it fails the test as soon as it says so.
    const second = startCli(['run', '--no-wait'], { cwd: dir });
    const noWait = await Promise.race([
      second.done,
      second.until(/^slow: running/m).then(() => {
        second.child.kill('SIGKILL');
        throw new Error('run --no-wait started the stage while another run held the project');
      }, () => second.done),
    ]);
    expect(noWait.code).toBe(1);
    expect(noWait.stderr).toContain(`pid ${holder.child.pid}`);
    const status = await runCli(['status', '--json'], { cwd: dir });
    expect(status.code).toBe(0);
    const waiter = startCli(['run', '--json'], { cwd: dir });
    await waiter.until(/waiting for another tunefile run/);
    expect(holder.child.exitCode).toBeNull();
    writeFileSync(join(dir, 'slow.release'), '');
    expect((await holder.done).code).toBe(0);
    const waited = await waiter.done;
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stderr).toContain(`pid ${holder.child.pid}`);
    expect((JSON.parse(waited.stdout).stages as { status: string }[]).map((s) => s.status)).toEqual(['cached']);
    expect(starts(dir)).toBe(1);
  });

  it('takes the lock over from a holder killed with SIGKILL', async () => {
    const dir = makeProject({
      ...fixtureFiles(),
      'pipeline.yaml': `version: 1
name: dead-holder
stages:
  slow:
    uses: command
    with: { run: [node, work.mjs, hold, "{out.x}", slow] }
`,
    });
    const holder = startCli(['run'], { cwd: dir });
    const { pid } = await started(dir, 'slow'); // the holder holds the lock: it is inside its stage
    expect(existsSync(join(dir, '.tunefile', 'run.lock'))).toBe(true);
    holder.child.kill('SIGKILL');
    expect((await holder.done).signal).toBe('SIGKILL');
    await gone(pid);
    expect(existsSync(join(dir, '.tunefile', 'run.lock'))).toBe(true); // left behind by the dead holder
    writeFileSync(join(dir, 'slow.release'), '');
    const next = await runJson(['--no-wait'], { cwd: dir });
    expect(next.code, next.stderr).toBe(0);
    expect(next.status).toEqual({ slow: 'ran' });
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
