// The project store: .tunefile/ with its blobs, state.db and run lock.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BlobStore } from './blobs.ts';
import { StateDb } from './state.ts';

export { BlobStore, prepareBlob } from './blobs.ts';
export type { PreparedBlob } from './blobs.ts';
export { StateDb, type RunRecord } from './state.ts';
export type { ChunkLog } from './chunk-log.ts';
export { hashWithStatCache, statKeyOf, sameStat } from './stat-cache.ts';
export { acquireRunLock, readHolder, describeHolder, type LockHolder } from './run-lock.ts';
export { writeFileAtomic } from './atomic.ts';
export { sha256, hashFile, canonicalJson, sortKeys } from './hash.ts';

/** Paths and handles of one project's `.tunefile/`. */
export interface Store {
  dir: string;
  blobs: BlobStore;
  state: StateDb;
  /** Scratch space on the same file system as the blobs (atomic moves). */
  tmpDir: string;
  runLockPath: string;
  /** The local provider's data folder. */
  localDir: string;
  close(): void;
}

/** Opens (creating if needed) the store under `projectRoot/.tunefile`. */
export function openStore(projectRoot: string): Store {
  const dir = join(projectRoot, '.tunefile');
  const tmpDir = join(dir, 'tmp');
  mkdirSync(tmpDir, { recursive: true });
  const state = new StateDb(join(dir, 'state.db'));
  return {
    dir,
    blobs: new BlobStore(join(dir, 'cache', 'blobs')),
    state,
    tmpDir,
    runLockPath: join(dir, 'run.lock'),
    localDir: join(dir, 'local'),
    close: () => state.close(),
  };
}
