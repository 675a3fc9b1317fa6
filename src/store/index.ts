// The project store: .tunefile/ with its blobs, state.db and run lock.
import { join } from 'node:path';
import { BlobStore } from './blobs.ts';
import { TreeStore } from './trees.ts';
import { StateDb, type StateDbOptions } from './state.ts';
import { makeStoreFolder, storeDirOf } from './store-dir.ts';

export { BlobStore, prepareBlob } from './blobs.ts';
export type { PreparedBlob } from './blobs.ts';
export { TreeStore, type TreeEntry, type TreeProblem } from './trees.ts';
export { outputPath, checkOutput, verifyOutput, describeProblemBlob, ingestOutput, type Cache, type OutputProblem } from './outputs.ts';
export { StateDb, type RunRecord, type StoredOutput, type StateDbOptions } from './state.ts';
export { makeStoreFolder, storeDirOf, clearScratch } from './store-dir.ts';
export type { ChunkLog } from './chunk-log.ts';
export { hashWithStatCache, statKeyOf, sameStat } from './stat-cache.ts';
export { acquireRunLock, readHolder, describeHolder, type LockHolder } from './run-lock.ts';
export { writeFileAtomic } from '../shared/atomic-write.ts';
export { sha256, hashFile, canonicalJson, sortKeys } from './hash.ts';

/** Paths and handles of one project's `.tunefile/`. */
export interface Store {
  dir: string;
  blobs: BlobStore;
  /** Folder artifacts: their manifests and files are blobs; their folders are built under cache/trees/. */
  trees: TreeStore;
  state: StateDb;
  /** Scratch space on the same file system as the blobs (atomic moves). */
  tmpDir: string;
  runLockPath: string;
  /** The local provider's data folder. */
  localDir: string;
  close(): void;
}

/**
 * Opens (creating if needed) the store under `projectRoot/.tunefile`. With `repair`, a damaged state.db is moved
 * aside for a fresh one and `repair` gets the warning (only `run` does this, holding the run lock).
 * @throws TunefileError TUNEFILE_STORE when `.tunefile` or a folder in it cannot be used, or state.db is damaged without `repair`
 */
export function openStore(projectRoot: string, options: StateDbOptions = {}): Store {
  const dir = storeDirOf(projectRoot);
  const tmpDir = makeStoreFolder(dir, 'tmp');
  const state = new StateDb(join(dir, 'state.db'), options);
  return {
    dir,
    ...openCache(dir),
    state,
    tmpDir,
    runLockPath: join(dir, 'run.lock'),
    localDir: join(dir, 'local'),
    close: () => state.close(),
  };
}

/** The blob and tree stores under the store folder `dir` (`.tunefile`), without state.db: for readers such as `show`. */
export function openCache(dir: string): { blobs: BlobStore; trees: TreeStore } {
  const blobs = new BlobStore(join(dir, 'cache', 'blobs'));
  return { blobs, trees: new TreeStore(blobs, join(dir, 'cache', 'trees')) };
}
