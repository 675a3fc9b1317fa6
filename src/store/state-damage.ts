// A damaged or unusable state.db (truncated, overwritten, not SQLite): one clear error, and the move aside that a
// run makes to start a fresh one. What state.db holds is all recoverable: run records by rerunning (blobs are
// still in the cache), the remote-job journal through provider adoption by `metadata.tunefile_key`.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { TunefileError } from '../errors.ts';

/** SQLite result codes that mean the file's content is not a usable database. */
const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;

/** What a damaged state.db costs, for messages. */
const RECOVERY = 'cached stages run again (their outputs are still in the cache), and remote jobs are found again by their key';

/** True when `error` says the database file is damaged: SQLite's "malformed" or "not a database", or a stored record that is not JSON. */
export function isDamage(error: unknown): boolean {
  if (error instanceof SyntaxError) return true;
  const errcode = (error as { errcode?: unknown } | null)?.errcode;
  return errcode === SQLITE_CORRUPT || errcode === SQLITE_NOTADB;
}

/** The short reason of an SQLite error ("database disk image is malformed"). */
export function reasonOf(error: unknown): string {
  const e = error as { errstr?: unknown; message?: unknown } | null;
  return String(e?.errstr ?? e?.message ?? error);
}

/** The marker a process leaves when it finds state.db damaged in use, so the next run moves it aside. */
export function damageMarkerOf(dbPath: string): string {
  return `${dbPath}.damaged`;
}

/** The reason recorded in the damage marker, or undefined when there is none. */
export function readDamageMarker(dbPath: string): string | undefined {
  const marker = damageMarkerOf(dbPath);
  if (!existsSync(marker)) return undefined;
  return readFileSync(marker, 'utf8').trim() || 'found damaged by an earlier command';
}

/** Records that state.db was found damaged (best effort: the error the caller throws says so anyway). */
export function markDamaged(dbPath: string, reason: string): void {
  try {
    writeFileSync(damageMarkerOf(dbPath), reason + '\n');
  } catch (error) {
    // The caller is already reporting the damage; a marker that cannot be written only means the next run finds it again.
    void error;
  }
}

/** The error for a damaged state.db, with what to do about it. */
export function damagedError(dbPath: string, reason: string, cause?: unknown): TunefileError {
  return new TunefileError('TUNEFILE_STORE', `${dbPath} is damaged (${reason})`, {
    ...(cause === undefined ? {} : { cause }),
    hint: `the next 'tunefile run' moves it aside to ${basename(dbPath)}.corrupt-<time> and starts a fresh one: ${RECOVERY}`,
  });
}

/** The error for a state.db that cannot be opened for another reason (a folder, no permission, locked). */
export function cannotOpenError(dbPath: string, error: unknown): TunefileError {
  return new TunefileError('TUNEFILE_STORE', `cannot open ${dbPath}: ${reasonOf(error)}`, {
    cause: error,
    hint: 'it must be a file you can read and write; move it away to let tunefile start a fresh one',
  });
}

/**
 * Moves a damaged state.db (and its -wal and -shm files) aside to `<name>.corrupt-<time>` and removes the marker.
 * Returns the new name and the warning to show.
 */
export function moveAside(dbPath: string, reason: string, now: Date): { movedTo: string; message: string } {
  const movedTo = `${dbPath}.corrupt-${now.toISOString().replace(/[:.]/g, '-')}`;
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(dbPath + suffix)) renameSync(dbPath + suffix, movedTo + suffix);
  }
  rmSync(damageMarkerOf(dbPath), { force: true });
  return {
    movedTo,
    message: `${dbPath} was damaged (${reason}); moved it to ${basename(movedTo)} and started a fresh one: ${RECOVERY}`,
  };
}
