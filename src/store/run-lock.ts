// One `tunefile run` per project: a lock file naming its holder, taken over from a dead holder.
import { hostname } from 'node:os';
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { TunefileError } from '../errors.ts';
import { tempPathFor } from '../shared/atomic-write.ts';

export interface LockHolder {
  pid: number;
  host: string;
  since: string;
  command?: string;
  /**
   * Linux: the process's start time (field 22 of /proc/<pid>/stat, clock ticks since boot). With `boot` it tells the
   * holder from a later process that got the same pid (pid 1 of a restarted container).
   */
  start?: string;
  /** Linux: /proc/sys/kernel/random/boot_id when the lock was taken. */
  boot?: string;
}

export interface AcquireOptions {
  /** Wait for the holder to finish (true) or fail at once (false, `--no-wait`). */
  wait: boolean;
  /** Called once when we start waiting, with the holder and, for a holder on another host, a note saying so. */
  onWait?: (holder: LockHolder, note?: string) => void;
  signal?: AbortSignal;
  command?: string;
  /** Poll interval while waiting. @default 200 */
  pollMs?: number;
  /** The wall clock in ms (the holder's `since`). @default Date.now */
  now?: () => number;
}

/** Whether a process with this pid exists on this host (whichever process it is: see holderState). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The start time of process `pid` (clock ticks since boot, field 22 of /proc/<pid>/stat); undefined off Linux or
 * when the process is gone. The command name (field 2) may hold spaces and parentheses, so fields are counted from
 * its closing parenthesis.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch (error) {
    // No /proc (macOS, Windows) or no such process: the caller falls back to the pid alone.
    if (!['ENOENT', 'ESRCH', 'EACCES', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    return undefined;
  }
}

/** This boot of the machine (Linux), or undefined. */
export function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch (error) {
    if (!['ENOENT', 'EACCES', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    return undefined;
  }
}

/**
 * Whether the holder still runs: `dead` when its pid is gone, when the machine was rebooted since, or when the pid
 * now belongs to a process that started at another time; `alive` when the pid (and start time, where known) match;
 * `unknown` for a holder on another host (a project folder shared over the network), whose processes we cannot see.
 */
export function holderState(holder: LockHolder, me: LockHolder): 'alive' | 'dead' | 'unknown' {
  if (holder.host !== me.host) return 'unknown';
  if (holder.boot && me.boot && holder.boot !== me.boot) return 'dead';
  if (!isAlive(holder.pid)) return 'dead';
  const start = holder.start === undefined ? undefined : processStartTime(holder.pid);
  return start !== undefined && start !== holder.start ? 'dead' : 'alive';
}

/** Whether two lock records name the same process. */
function sameHolder(a: LockHolder, b: LockHolder): boolean {
  return a.pid === b.pid && a.host === b.host && a.start === b.start && a.since === b.since;
}

/** Reads the current holder, or undefined when nobody holds the lock. */
export function readHolder(lockPath: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(lockPath, 'utf8')) as LockHolder;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { pid: -1, host: '?', since: '?' };
  }
}

/** Describes a holder for messages: "pid 123 on host, since 2026-...". */
export function describeHolder(h: LockHolder): string {
  return `pid ${h.pid} on ${h.host}, since ${h.since}${h.command ? ` (${h.command})` : ''}`;
}

/**
 * Takes the run lock at `lockPath`; returns a release function.
 * Creation is atomic (link of a complete temp file). A dead holder on this host (see holderState) is taken over;
 * a holder on another host is waited for, since whether it still runs cannot be checked from here.
 * @throws TunefileError TUNEFILE_LOCKED with `wait: false` when a live process holds it
 */
export async function acquireRunLock(lockPath: string, options: AcquireOptions): Promise<() => void> {
  mkdirSync(dirname(lockPath), { recursive: true });
  const start = processStartTime(process.pid);
  const boot = bootId();
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    since: new Date((options.now ?? Date.now)()).toISOString(),
    ...(options.command ? { command: options.command } : {}),
    ...(start ? { start } : {}),
    ...(boot ? { boot } : {}),
  };
  const tmp = tempPathFor(lockPath);
  writeFileSync(tmp, JSON.stringify(me));
  let announced = false;
  try {
    for (;;) {
      try {
        linkSync(tmp, lockPath);
        return () => {
          const holder = readHolder(lockPath);
          if (holder && sameHolder(holder, me)) rmSync(lockPath, { force: true });
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readHolder(lockPath);
      if (!holder) continue;
      const state = holderState(holder, me);
      if (state === 'dead') {
        takeOverStale(lockPath, holder);
        continue;
      }
      const note = state === 'unknown' ? `it runs on another host (${holder.host}), where tunefile cannot check that it is alive; if that run is gone, delete ${lockPath}` : undefined;
      if (!options.wait) {
        throw new TunefileError('TUNEFILE_LOCKED', `another tunefile run holds the project lock: ${describeHolder(holder)}`, {
          hint: note ?? `wait for it to finish, or run without --no-wait to queue behind it (lock file: ${lockPath})`,
        });
      }
      if (!announced) {
        announced = true;
        options.onWait?.(holder, note);
      }
      await sleep(options.pollMs ?? 200, options.signal);
    }
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Moves a dead holder's lock aside; if it turns out not to be the dead holder's any more, puts it back. */
function takeOverStale(lockPath: string, dead: LockHolder): void {
  const aside = `${lockPath}.stale.${process.pid}`;
  try {
    renameSync(lockPath, aside);
  } catch {
    return; // someone else moved it first
  }
  const moved = readHolder(aside);
  if (moved && !sameHolder(moved, dead)) {
    try {
      linkSync(aside, lockPath);
    } catch {
      // a third process took the lock meanwhile; the live holder we moved will notice nothing, the lock stays held
    }
  }
  rmSync(aside, { force: true });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}
