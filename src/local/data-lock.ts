// One server per data folder: a pid file taken exclusively, taken over from a dead holder.
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TunefileError } from '../errors.ts';

/** Data folders this process holds, to tell our own lock from a dead process's whose pid we reused. */
const heldHere = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the data folder's lock; returns its release function. Throws TUNEFILE_LOCKED when a live server holds it. */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, 'server.pid');
  const token = `${process.pid} ${randomBytes(6).toString('hex')}`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, token, { flag: 'wx' });
      heldHere.add(path);
      return () => {
        heldHere.delete(path);
        try {
          if (readFileSync(path, 'utf8') === token) rmSync(path, { force: true });
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder = '';
    let since: Date;
    try {
      holder = readFileSync(path, 'utf8');
      since = statSync(path).mtime;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EISDIR') {
        throw new TunefileError('TUNEFILE_LOCKED', `the local server data folder ${dataDir} cannot be locked: ${path} is a folder, not a lock file`, { hint: `remove ${path}` });
      }
      continue;
    }
    const pid = Number(holder.split(' ')[0]);
    const ours = pid === process.pid && heldHere.has(path);
    if (pid && (ours || (pid !== process.pid && isAlive(pid)))) {
      throw new TunefileError('TUNEFILE_LOCKED', `the local server data folder ${dataDir} is in use by another server (pid ${pid}, since ${since.toISOString()})`, {
        hint: 'stop that server, or give this one another --data folder',
      });
    }
    rmSync(path, { force: true });
  }
  throw new TunefileError('TUNEFILE_LOCKED', `could not take the lock on ${dataDir}`);
}
