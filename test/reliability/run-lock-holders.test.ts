// Issue 14, the run lock: a lock file naming a live pid that is not the holder (pid 1 of a restarted container) is
// taken over; a lock held on another host (a shared project folder) is waited for, naming that host and pid.
import { mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli, startCli } from '../helpers/cli.ts';

const PIPELINE = `version: 1
stages:
  gen:
    uses: command
    with: { run: [node, -e, "require('fs').writeFileSync(process.argv[1], 'x')", "{out.data}"], outputs: [data] }
`;

/** A project whose .tunefile/run.lock holds `holder`. */
function lockedProject(holder: Record<string, unknown>): { dir: string; lock: string } {
  const dir = makeProject({ 'pipeline.yaml': PIPELINE });
  mkdirSync(join(dir, '.tunefile'), { recursive: true });
  const lock = join(dir, '.tunefile', 'run.lock');
  writeFileSync(lock, JSON.stringify(holder));
  return { dir, lock };
}

const linux = existsSync('/proc/1/stat');

describe('run lock holders (issue 14)', () => {
  it.skipIf(!linux)('takes over a lock naming pid 1, which is alive but started at another time than the holder did', async () => {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const { dir, lock } = lockedProject({ pid: 1, host: hostname(), since: '2026-01-01T00:00:00.000Z', command: 'tunefile run pipeline.yaml', start: '1', boot });
    const run = await runCli(['run', '--no-wait'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('ok: pipeline.yaml: 1 ran');
    expect(existsSync(lock)).toBe(false);
  });

  it('waits for a holder on another host, naming it, and --no-wait exits 1 saying its liveness cannot be checked', async () => {
    const { dir, lock } = lockedProject({ pid: 4242, host: 'build-agent-7', since: '2026-01-01T00:00:00.000Z', command: 'tunefile run pipeline.yaml', start: '77', boot: 'b' });
    const noWait = await runCli(['run', '--no-wait'], { cwd: dir });
    expect(noWait.code).toBe(1);
    expect(noWait.stderr).toContain('error: another tunefile run holds the project lock: pid 4242 on build-agent-7');
    expect(noWait.stderr).toContain(`hint: it runs on another host (build-agent-7), where tunefile cannot check that it is alive; if that run is gone, delete ${lock}`);

    const waiting = startCli(['run'], { cwd: dir });
    // Resolves on the message itself: from then on the run is waiting (it holds no lock until the file is gone).
    await waiting.until(/waiting for another tunefile run/);
    expect(waiting.child.exitCode).toBeNull();
    expect(waiting.output().stderr).toContain('pid 4242 on build-agent-7');
    expect(waiting.output().stderr).toContain('it runs on another host (build-agent-7)');
    // Once the other host's run is gone and its lock deleted, the waiting run proceeds.
    writeFileSync(lock, '');
    const { rmSync } = await import('node:fs');
    rmSync(lock);
    const done = await waiting.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain('ok: pipeline.yaml: 1 ran');
  });
});
