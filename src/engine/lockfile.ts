// <pipeline>.lock: what ran, with which hashes and results. Sorted keys, stable formatting, no paths or times.
import { existsSync, readFileSync } from 'node:fs';
import { TunefileError } from '../errors.ts';
import { sortKeys } from '../store/hash.ts';
import { writeFileAtomic } from '../shared/atomic-write.ts';
import type { RunRecord } from '../store/state.ts';

export const LOCK_VERSION = 1;

export interface LockFile {
  version: number;
  pipeline: string;
  stages: Record<string, RunRecord>;
}

/** Reads a lock file; undefined when absent. A lock that does not parse is an error naming the file. */
export function readLockFile(path: string): LockFile | undefined {
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  try {
    const parsed = JSON.parse(text) as LockFile;
    if (typeof parsed !== 'object' || parsed === null || typeof parsed.stages !== 'object') throw new Error('no "stages" object');
    return parsed;
  } catch (error) {
    throw new TunefileError('TUNEFILE_INVALID_PIPELINE', `${path}: the lock file is not valid (${(error as Error).message})`, {
      hint: 'restore it from git, or delete it: the next run rewrites it from the cache',
    });
  }
}

/** The exact bytes of a lock file: sorted keys, two-space indent, trailing newline. */
export function formatLockFile(lock: LockFile): string {
  return JSON.stringify(sortKeys(lock), null, 2) + '\n';
}

/** Writes the lock file atomically, only when its bytes change. Returns whether it wrote. */
export function writeLockFile(path: string, lock: LockFile): boolean {
  const text = formatLockFile(lock);
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return false;
  writeFileAtomic(path, text);
  return true;
}
