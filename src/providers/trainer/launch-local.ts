// `launcher: local`: the train command runs on this machine under a detached supervisor (supervise.ts), in a process
// group of its own, with its output in the run's log. A run folder tells its state: `exit.json` once the trainer
// has ended, else the supervisor's process group is alive (running) or gone (killed with tunefile or the machine).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../../shared/atomic-write.ts';
import { endGroup, groupAlive } from '../../shared/process-group.ts';
import type { Launcher } from './launcher.ts';
import type { ExitRecord, SuperviseSpec } from './supervise.ts';

/** The supervisor's source or build, beside this module. */
const SUPERVISOR = fileURLToPath(new URL(`./supervise${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/** Runs on this machine: each start is a detached supervisor leading a process group of its own. */
export function localLauncher(graceMs: number): Launcher {
  return {
    async start(argv, o) {
      const specPath = join(o.layout.runDir, `supervise-${o.attempt}.json`);
      const spec: SuperviseSpec = { argv, cwd: o.cwd, logPath: o.layout.logPath, exitPath: exitPathOf(o.layout.runDir) };
      writeFileAtomic(specPath, JSON.stringify(spec) + '\n');
      // Node's own spawn: the supervisor must outlive this process, unwaited (it runs the trainer through execa).
      const child = spawn(process.execPath, [SUPERVISOR, specPath], { detached: true, stdio: 'ignore', env: o.env });
      child.on('error', () => undefined);
      child.unref();
      const pid = child.pid;
      if (pid === undefined) throw new Error(`could not start the trainer's supervisor (${process.execPath} ${SUPERVISOR})`);
      const started = startTimeOf(pid);
      return { kind: 'local', pgid: pid, ...(started ? { started } : {}) };
    },
    async state(layout, ref) {
      const exitPath = exitPathOf(layout.runDir);
      if (existsSync(exitPath)) return { state: 'exited', exit: JSON.parse(readFileSync(exitPath, 'utf8')) as ExitRecord };
      if (ref?.kind === 'local' && ours(ref) && groupAlive(ref.pgid)) return { state: 'running' };
      return { state: 'gone' };
    },
    async stop(_layout, ref) {
      if (ref?.kind === 'local' && ours(ref)) await endGroup(ref.pgid, graceMs);
    },
  };
}

/** Where the supervisor writes the trainer's exit. */
export function exitPathOf(runDir: string): string {
  return join(runDir, 'exit.json');
}

/** The group's leader is still the process we started (a reused pid has another start time). */
function ours(ref: { pgid: number; started?: string }): boolean {
  return ref.started === undefined || startTimeOf(ref.pgid) === ref.started;
}

/** A process's start time in clock ticks since boot (field 22 of /proc/PID/stat); undefined without /proc. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
