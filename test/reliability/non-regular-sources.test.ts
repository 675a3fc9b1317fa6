// Issue 14: a data `path` that is a FIFO or /dev/zero (made here at run time) is refused before it is opened, by run,
// status, validate and prepare. Before, opening the FIFO waited for a writer forever and /dev/zero was hashed
// forever, holding the project lock and ignoring Ctrl-C.
import { execFileSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeProject, startCli } from '../helpers/cli.ts';
import type { CliResult } from '../helpers/cli.ts';

/** Far longer than any of these commands needs on a busy runner: only a hang reaches it. */
const HANG_GUARD_MS = 90_000;

const running = new Set<ReturnType<typeof startCli>['child']>();
afterEach(() => {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  running.clear();
});

/** Runs the CLI; a command that has not ended by HANG_GUARD_MS is killed, and the test fails on that. */
async function runToEnd(args: string[], cwd: string): Promise<CliResult> {
  const cli = startCli(args, { cwd });
  running.add(cli.child);
  // Only a hang reaches the guard (the commands need well under a second); it turns the hang into a failure below.
  const guard = setTimeout(() => cli.child.kill('SIGKILL'), HANG_GUARD_MS);
  const result = await cli.done;
  clearTimeout(guard);
  expect(result.signal, `tunefile ${args.join(' ')} did not end (killed after ${HANG_GUARD_MS} ms)\n${result.stderr}`).toBeNull();
  expect(`${result.stdout}\n${result.stderr}`).not.toMatch(/^ {4}at |This is a bug/m);
  return result;
}

/** A project whose load stage reads `source` (made by `make` in the project folder). */
function project(source: string, make: (path: string) => void): string {
  const dir = makeProject({
    'pipeline.yaml': `version: 1\nname: special\nstages:\n  load:\n    with: { path: ${source}, format: jsonl }\n`,
  }, 'tunefile-special-');
  make(join(dir, source));
  return dir;
}

const SOURCES = [
  { name: 'a FIFO', source: 'data.jsonl', kind: 'a named pipe (FIFO)', make: (path: string) => execFileSync('mkfifo', [path]) },
  { name: 'a link to /dev/zero', source: 'zero.jsonl', kind: 'a character device', make: (path: string) => symlinkSync('/dev/zero', path) },
];

describe.each(SOURCES)('a load source that is $name', ({ source, kind, make }) => {
  const refused = `${source} is ${kind}, not a regular file`;

  it('fails the load stage of run (exit 1), and status names it without waiting', async () => {
    const dir = project(source, make);
    const run = await runToEnd(['run'], dir);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^error: pipeline\\.yaml:load: source file ${refused.replace(/[().]/g, '\\$&')}`, 'm'));
    const status = await runToEnd(['status'], dir);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(refused);
    // The lock was released: a run that may not wait gets the same stage failure, not "locked".
    const again = await runToEnd(['run', '--no-wait'], dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(refused);
  }, 4 * HANG_GUARD_MS);

  it('is an invalid pipeline for validate (exit 2), pointing at `path:`', async () => {
    const dir = project(source, make);
    const result = await runToEnd(['validate'], dir);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`pipeline.yaml:5:19 stages.load.with.path: source file ${refused}`);
  }, 2 * HANG_GUARD_MS);

  it('is refused by prepare (exit 1)', async () => {
    const dir = project(source, make);
    const result = await runToEnd(['prepare', source, '--format', 'jsonl'], dir);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/^error: \S/m);
    expect(result.stderr).toContain(join(dir, refused));
  }, 2 * HANG_GUARD_MS);
});
