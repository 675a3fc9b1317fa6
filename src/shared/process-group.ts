// Programs tunefile runs (the command stage, self-hosted trainers and their servers) run in a process group of their own, so tunefile can stop them and everything they started.
import { readFileSync, readdirSync } from 'node:fs';

/** How long a program may take to exit after SIGTERM before its group gets SIGKILL. */
export const DEFAULT_KILL_GRACE_MS = 5000;

/** After SIGKILL, how long to wait for the group to vanish before giving up (a zombie waits for its reaper). */
const AFTER_KILL_MS = 2000;
const POLL_MS = 25;

/** The grace period: TUNEFILE_KILL_GRACE_MS (a testing aid, documented in docs/command.md), else 5 s. */
export function getKillGraceMs(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env.TUNEFILE_KILL_GRACE_MS;
  const value = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  return Number.isInteger(value) && value >= 0 ? value : DEFAULT_KILL_GRACE_MS;
}

/** Process groups of running programs: SIGKILLed if tunefile exits first (a second Ctrl-C exits at once). */
const liveGroups = new Set<number>();
let exitHook = false;

/** Remembers a group until forgetGroup, so it never outlives tunefile. */
export function trackGroup(pgid: number): void {
  liveGroups.add(pgid);
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const group of liveGroups) signalGroup(group, 'SIGKILL');
  });
}

/** Stops tracking a group that is gone. */
export function forgetGroup(pgid: number): void {
  liveGroups.delete(pgid);
}

/** Sends `signal` to every process of the group; false when none is left. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    // ESRCH: the group is empty. EPERM: a member changed user (setuid); it is not ours to stop.
    if ((error as NodeJS.ErrnoException).code === 'ESRCH' || (error as NodeJS.ErrnoException).code === 'EPERM') return false;
    throw error;
  }
}

/**
 * Processes of the group that are alive (zombies waiting for their reaper are not), from /proc;
 * undefined where there is no /proc (then every member counts as alive).
 */
export function liveMembers(pgid: number): number[] | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const members: number[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // the process ended while we listed /proc
    }
    // Fields after the command name (which may hold spaces, hence the last ')'): state, ppid, pgrp, ...
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') members.push(Number(name));
  }
  return members;
}

/** Whether the group still has a live process. */
export function groupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  const members = liveMembers(pgid);
  return members === undefined || members.length > 0;
}

/** Polls until the group is gone or `ms` have passed, on the monotonic clock: a wall-clock step cannot cut the grace short. */
async function waitGone(pgid: number, ms: number): Promise<boolean> {
  const until = performance.now() + ms;
  for (;;) {
    if (!groupAlive(pgid)) return true;
    if (performance.now() >= until) return false;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * Ends whatever is left of a group: SIGTERM, up to `graceMs` to exit, then SIGKILL.
 * Returns 'gone' (nothing was left), 'terminated' (it exited on SIGTERM) or 'killed'.
 */
export async function endGroup(pgid: number, graceMs: number): Promise<'gone' | 'terminated' | 'killed'> {
  if (!groupAlive(pgid)) return 'gone';
  signalGroup(pgid, 'SIGTERM');
  if (await waitGone(pgid, graceMs)) return 'terminated';
  signalGroup(pgid, 'SIGKILL');
  await waitGone(pgid, AFTER_KILL_MS);
  return 'killed';
}
