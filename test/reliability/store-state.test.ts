// Issue 14, the store itself: scratch folders of killed runs are removed by the next run (never a live run's), a
// truncated or garbage state.db is moved aside and rebuilt by `run` (and is a clear error for `status`), and a
// `.tunefile` that is a file is named in one clear error.
import { existsSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeProject, runCli, runJson, startCli, waitFor } from '../helpers/cli.ts';
import { SMS_PIPELINE, checkBlobs, jobsPerKey, makeSmsProject } from './sms.ts';

/** One clear error: an `error:` line, no stack frame, no "this is a bug". */
function expectCleanError(output: string): void {
  expect(output).toMatch(/^error: \S/m);
  expect(output).not.toMatch(/^ {4}at /m);
  expect(output).not.toContain('This is a bug');
}

const WORK = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'engine', 'work.mjs'), 'utf8');

/** Whether process `pid` has ended (a zombie waiting for its reaper has). */
function ended(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return /^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return true;
  }
}

/** A holder still running when its test ends (the test failed) is killed; its held program then ends by itself. */
const holders: ReturnType<typeof startCli>[] = [];
afterEach(() => {
  for (const run of holders.splice(0)) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
});

const scratchOf = (dir: string) => (existsSync(join(dir, '.tunefile', 'tmp')) ? readdirSync(join(dir, '.tunefile', 'tmp')) : []);

describe('the store (issue 14)', () => {
  it('removes the scratch folders of a killed run at the next run, and never those of a live one', async () => {
    // `slow` runs work.mjs in hold mode: it announces its start in slow.started and cannot end before the test creates
    // slow.release (it exits by itself once its tunefile is killed), so the holder provably holds the lock below.
    const dir = makeProject({
      'work.mjs': WORK,
      'pipeline.yaml': `version: 1
name: scratch
stages:
  slow:
    uses: command
    with: { run: [node, work.mjs, hold, "{out.x}", slow] }
  fast:
    uses: command
    needs: []
    with: { run: [node, -e, "require('fs').writeFileSync(process.argv[1], 'ok')", "{out.y}"] }
`,
    });
    const holder = startCli(['run', '--stage', 'slow'], { cwd: dir });
    holders.push(holder);
    await waitFor(() => existsSync(join(dir, 'slow.started')), 30_000, 'the slow stage to start its program');
    const { pid } = JSON.parse(readFileSync(join(dir, 'slow.started'), 'utf8')) as { pid: number };
    expect(scratchOf(dir).some((name) => name.startsWith('slow-'))).toBe(true);
    // A live run's scratch is left alone: a second run does not get the lock.
    const blocked = await runCli(['run', '--stage', 'fast', '--no-wait'], { cwd: dir });
    expect(blocked.code, blocked.stderr).toBe(1);
    expect(blocked.stderr).toContain(`pid ${holder.child.pid}`);
    expect(scratchOf(dir).some((name) => name.startsWith('slow-'))).toBe(true);

    holder.child.kill('SIGKILL');
    expect((await holder.done).signal).toBe('SIGKILL');
    // The orphaned program notices that its parent is gone and exits: nothing writes into the scratch any more.
    await waitFor(() => ended(pid), 30_000, `program ${pid} to end`);
    expect(scratchOf(dir).some((name) => name.startsWith('slow-'))).toBe(true);
    const next = await runJson(['--stage', 'fast'], { cwd: dir });
    expect(next.code, next.stderr).toBe(0);
    expect(scratchOf(dir)).toEqual([]);
  }, 60_000);

  it('a truncated state.db: status says so with a hint, run moves it aside, rebuilds, and adopts the trained job', async () => {
    const dir = makeSmsProject({ rows: 400 });
    const first = await runJson([SMS_PIPELINE], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    const db = join(dir, '.tunefile', 'state.db');
    truncateSync(db, 4096);

    const status = await runCli(['status', SMS_PIPELINE], { cwd: dir });
    expect(status.code).toBe(1);
    expectCleanError(status.stderr);
    expect(status.stderr).toContain('state.db is damaged (database disk image is malformed)');
    expect(status.stderr).toMatch(/^hint: the next 'tunefile run' moves it aside/m);

    const run = await runJson([SMS_PIPELINE], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/warning: .*state\.db was damaged \(database disk image is malformed\); moved it to state\.db\.corrupt-\S+ and started a fresh one/);
    expect(readdirSync(join(dir, '.tunefile')).some((name) => name.startsWith('state.db.corrupt-'))).toBe(true);
    // The journal went with the old file: the job is found again by its key, not created twice.
    expect(run.status.train).toBe('ran');
    expect(Object.values(jobsPerKey(dir))).toEqual([1]);
    expect(run.report.stages.find((s: { id: string }) => s.id === 'train').key).toBe(first.report.stages.find((s: { id: string }) => s.id === 'train').key);
    checkBlobs(dir);

    const after = await runCli(['status', SMS_PIPELINE, '--json'], { cwd: dir });
    expect(after.code, after.stderr).toBe(0);
    expect((JSON.parse(after.stdout).stages as { state: string }[]).every((s) => s.state === 'up-to-date')).toBe(true);
  }, 120_000);

  it('a state.db that is not SQLite at all is moved aside by run; .tunefile as a file is one clear error', async () => {
    const dir = makeProject({
      'data.jsonl': '{"prompt":"a","completion":"x"}\n{"prompt":"b","completion":"y"}\n',
      'pipeline.yaml': 'version: 1\nname: tiny\nstages:\n  load:\n    with: { path: data.jsonl }\n',
    });
    expect((await runCli(['run'], { cwd: dir })).code).toBe(0);
    writeFileSync(join(dir, '.tunefile', 'state.db'), 'these bytes are not a database\n'.repeat(200));
    const status = await runCli(['status'], { cwd: dir });
    expect(status.code).toBe(1);
    expectCleanError(status.stderr);
    expect(status.stderr).toContain('state.db is damaged (file is not a database)');
    const run = await runJson([], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('moved it to state.db.corrupt-');
    expect(run.status).toEqual({ load: 'ran' });

    const flat = makeProject({ 'data.jsonl': '{"prompt":"a","completion":"x"}\n', 'pipeline.yaml': 'version: 1\nname: tiny\nstages:\n  load:\n    with: { path: data.jsonl }\n' });
    writeFileSync(join(flat, '.tunefile'), 'not a folder\n');
    for (const args of [['run'], ['status'], ['gc']]) {
      const result = await runCli(args, { cwd: flat });
      expect(result.code, `${args[0]}: ${result.stderr}`).toBe(1);
      expectCleanError(result.stderr);
      expect(result.stderr, args[0]).toMatch(/^error: .*\.tunefile is a file, not a folder/m);
      expect(result.stderr, args[0]).toMatch(/^hint: move or delete /m);
    }
  }, 60_000);
});
