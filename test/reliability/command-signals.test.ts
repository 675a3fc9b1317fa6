// Issue 14: Ctrl-C (SIGINT) or SIGTERM stops a command stage's program and everything it started: its process group
// gets SIGTERM, then SIGKILL after the grace period. No orphan survives holding the pipes (or a GPU).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeProject, startCli, waitFor, type CliResult } from '../helpers/cli.ts';

/** Whether `pid` is a live process (a zombie waiting for its reaper is not: it holds nothing). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
  } catch {
    return false; // gone between the two checks
  }
}

/**
 * The CLI's result, or a failure naming what it printed if it has not exited within `ms` (it hangs on the orphan).
 * The bound is far above what a working tunefile needs (it exits once the group is gone: at most the grace period
 * and 2 s more), so only a hang reaches it; it turns the hang into a message instead of the test's timeout.
 */
async function exitWithin(run: ReturnType<typeof startCli>, ms: number): Promise<CliResult> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`tunefile did not exit within ${ms} ms of the signal:\n${run.output().stderr}`)), ms);
  });
  try {
    return await Promise.race([run.done, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A project whose only stage runs `script` under bash; the script writes its background child's pid to child.pid. */
function start(script: string, env: Record<string, string> = {}) {
  const dir = makeProject({
    'pipeline.yaml': `version: 1\nname: signals\nstages:\n  long:\n    uses: command\n    with:\n      run: [bash, -c, ${JSON.stringify(script)}, "{out.x}"]\n`,
  });
  const run = startCli(['run'], { cwd: dir, env });
  const pidFile = join(dir, 'child.pid');
  cleanups.push(() => {
    // Whatever the outcome, leave nothing running on the shared machine.
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8'));
      if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
    }
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
  });
  return { dir, run, pidFile };
}

async function grandchildPid(pidFile: string): Promise<number> {
  // Waits for the file, which bash writes right after starting the child; the deadline only bounds a hang.
  await waitFor(() => existsSync(pidFile) && /^\d+\n$/.test(readFileSync(pidFile, 'utf8')), 30_000, 'the program to start its child');
  return Number(readFileSync(pidFile, 'utf8'));
}

describe('command stage: interrupting stops the whole process group', () => {
  it('SIGINT: the background grandchild (sleep 300) is stopped too, and tunefile exits 130', async () => {
    const { run, pidFile } = start('sleep 300 & echo $! > child.pid; wait');
    const pid = await grandchildPid(pidFile);
    expect(alive(pid)).toBe(true);
    run.child.kill('SIGINT');
    const result = await exitWithin(run, 30_000);
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain('interrupted');
    expect(result.stderr).toContain('stopped with SIGTERM');
    expect(result.stderr).not.toMatch(/^ {4}at /m);
    // "stopped with SIGTERM" means tunefile saw the whole group end before it exited: nothing to wait for.
    expect(alive(pid), `grandchild ${pid} outlived tunefile`).toBe(false);
  });

  it('SIGTERM: a group that ignores SIGTERM is SIGKILLed after the grace period (TUNEFILE_KILL_GRACE_MS)', async () => {
    const { run, pidFile } = start("trap '' TERM; sleep 300 & echo $! > child.pid; wait", { TUNEFILE_KILL_GRACE_MS: '300' });
    const pid = await grandchildPid(pidFile);
    run.child.kill('SIGTERM');
    const result = await exitWithin(run, 30_000);
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain('did not exit within 300 ms of SIGTERM and was killed (SIGKILL)');
    // SIGKILL cannot be ignored; tunefile waits a bounded time for the group to vanish, so the kernel may still be
    // ending it. The deadline only turns a survivor into a failure message.
    await waitFor(() => !alive(pid), 30_000, `grandchild ${pid} to be gone after SIGKILL`);
  });

  it('a program that exits 0 but leaves a background process running: the process is stopped, with a warning', async () => {
    const { run, pidFile } = start('sleep 300 > /dev/null 2>&1 & echo $! > child.pid; echo done > "$0"');
    const result = await exitWithin(run, 60_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('left processes running in its process group; they were stopped (SIGTERM)');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    // "stopped (SIGTERM)" means tunefile saw the group end before it went on: nothing to wait for.
    expect(alive(pid), `background process ${pid} outlived the stage`).toBe(false);
  });
});
