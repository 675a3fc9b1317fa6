// One `tunefile run` per project: a lock file naming its holder, taken over from a dead holder.
import { hostname } from 'node:os';
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { TunefileError } from '../errors.ts';
import { tempPathFor } from './atomic.ts';

export interface LockHolder {
  pid: number;
  host: string;
  since: string;
  command?: string;
}

export interface AcquireOptions {
  /** Wait for the holder to finish (true) or fail at once (false, `--no-wait`). */
  wait: boolean;
  /** Called once when we start waiting, with the holder. */
  onWait?: (holder: LockHolder) => void;
  signal?: AbortSignal;
  command?: string;
  /** Poll interval while waiting. @default 200 */
  pollMs?: number;
  now?: () => Date;
}

/** Whether a process with this pid exists on this host. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
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
 * Creation is atomic (link of a complete temp file). A holder whose pid is gone on this host is taken over.
 * @throws TunefileError TUNEFILE_LOCKED with `wait: false` when a live process holds it
 */
export async function acquireRunLock(lockPath: string, options: AcquireOptions): Promise<() => void> {
  mkdirSync(dirname(lockPath), { recursive: true });
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    since: (options.now?.() ?? new Date()).toISOString(),
    ...(options.command ? { command: options.command } : {}),
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
          if (holder?.pid === process.pid) rmSync(lockPath, { force: true });
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readHolder(lockPath);
      if (!holder) continue;
      if (holder.host === me.host && holder.pid !== process.pid && !isAlive(holder.pid)) {
        takeOverStale(lockPath, holder);
        continue;
      }
      if (!options.wait) {
        throw new TunefileError('TUNEFILE_LOCKED', `another tunefile run holds the project lock: ${describeHolder(holder)}`, {
          hint: `wait for it to finish, or run without --no-wait to queue behind it (lock file: ${lockPath})`,
        });
      }
      if (!announced) {
        announced = true;
        options.onWait?.(holder);
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
  if (moved && moved.pid !== dead.pid) {
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
