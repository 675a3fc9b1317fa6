// Hash a workspace file, skipping the read when (path, dev, ino, size, mtime_ns, ctime_ns) is unchanged.
import { statSync } from 'node:fs';
import { notRegularFileReason } from '../shared/regular-file.ts';
import { hashFile } from './hash.ts';
import type { StateDb, StatKey } from './state.ts';

/** The stat identity of a file now. */
export function statKeyOf(path: string): StatKey {
  const st = statSync(path, { bigint: true });
  return { path, dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs };
}

/** True when two stat identities describe the same file version. */
export function sameStat(a: StatKey, b: StatKey): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

/**
 * How recent a file's mtime may be for its hash to be remembered. A file system stamps times at its own granularity
 * (a clock tick, a second, two on FAT), so a file hashed in the same tick as it was written could be written again,
 * same size, with the same mtime and ctime: its stat identity would then name content it no longer holds. Such a
 * "racily clean" file is hashed but not remembered, as git does with its index, until its mtime is older than this.
 */
const RACY_WINDOW_NS = 2_000_000_000n;

/** True when `stat` may still change without its identity changing, seen from a hash that began at `startNs`. */
function racy(stat: StatKey, startNs: bigint): boolean {
  return stat.mtimeNs > startNs - RACY_WINDOW_NS; // also a file dated in the future
}

/**
 * sha256 of a file, read from the stat cache when its stat identity is unchanged.
 * Returns the stat identity seen before hashing, so callers can detect edits made later.
 * `now` is the wall clock in ms (the run's injected clock): a file modified this close to it is not remembered.
 * @throws when the file is missing, is not a regular file, or changes while it is being hashed
 */
export async function hashWithStatCache(db: StateDb, path: string, now: () => number): Promise<{ hash: string; stat: StatKey }> {
  // A FIFO or a device would block or never end: refused before the open. The message is a phrase after the path.
  const notRegular = notRegularFileReason(path);
  if (notRegular !== undefined) throw new Error(notRegular);
  const startNs = BigInt(Math.floor(now())) * 1_000_000n;
  const before = statKeyOf(path);
  const cached = db.getStat(before);
  if (cached) return { hash: cached, stat: before };
  const { hash } = await hashFile(path);
  const after = statKeyOf(path);
  if (!sameStat(before, after)) throw new Error(`${path} changed while it was being hashed`);
  if (!racy(before, startNs)) db.putStat(before, hash);
  return { hash, stat: before };
}
