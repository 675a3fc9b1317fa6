// `tunefile gc`: drop run records, blobs, local jobs and scratch folders that no lock file in the project references,
// and the built folders of trees (cache/trees/) that none references.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { TunefileError } from '../errors.ts';
import { listDir, removePath } from '../local/checkpoint-files.ts';
import { acquireRunLock, openStore, type Store } from '../store/index.ts';
import { collectLocalGarbage, type LocalGcResult } from './gc-local.ts';
import { findLockFiles } from './gc-locks.ts';
import { collectTreeFolders, makeKeepSet, type KeepSet, type TreeGcResult } from './gc-trees.ts';

export { findLockFiles } from './gc-locks.ts';

/** What gc removed (or, with dryRun, would remove), and what the lock files kept. */
export interface GcResult {
  lockFiles: string[];
  records: { kept: number; removed: number };
  blobs: { kept: number; removed: number; bytesFreed: number };
  /** Built folders of tree artifacts (.tunefile/cache/trees/*); their files' blobs are counted in `blobs`. */
  trees: TreeGcResult;
  /** The local provider's folder (.tunefile/local): jobs, models, checkpoints and uploads. */
  local: LocalGcResult;
  /** Scratch folders of killed runs (.tunefile/tmp/*). */
  scratch: { removed: number; bytesFreed: number };
  /** Everything reclaimed (or that would be, with dryRun), in bytes. */
  bytesFreed: number;
  dryRun: boolean;
}

/**
 * Removes what no lock file references (or only measures it with dryRun), holding the project's run lock.
 * @throws TunefileError TUNEFILE_LOCKED when a run holds the project; TUNEFILE_INVALID_PIPELINE when a lock file of
 *   the project does not parse (nothing is deleted then)
 */
export async function collectGarbage(projectRoot: string, dryRun = false, now: () => number = Date.now): Promise<GcResult> {
  const store = openStore(projectRoot, { now });
  let release: (() => void) | undefined;
  try {
    release = await acquireRunLock(store.runLockPath, { wait: false, command: 'tunefile gc', now }).catch((error: unknown) => {
      if (!(error instanceof TunefileError && error.code === 'TUNEFILE_LOCKED')) throw error;
      throw new TunefileError('TUNEFILE_LOCKED', `${error.message}; gc deleted nothing`, { cause: error, hint: 'run gc again once that run has finished' });
    });
    const locks = findLockFiles(projectRoot);
    const keepKeys = new Set<string>();
    const keep = makeKeepSet(store);
    for (const { lock } of locks) {
      for (const entry of Object.values(lock.stages)) {
        keepKeys.add(entry.key);
        for (const output of Object.values(entry.outputs ?? {})) keep.add(output);
      }
    }
    const records = collectRecords(store, keepKeys, keep, dryRun);
    const blobs = collectBlobs(store, keep.blobs, dryRun);
    const trees = collectTreeFolders(store.trees, keep.trees, dryRun);
    const local = collectLocalGarbage(store, locks, keepKeys, dryRun, now);
    const scratch = collectScratch(store, dryRun);
    return {
      lockFiles: locks.map((l) => l.path),
      records,
      blobs,
      trees,
      local,
      scratch,
      bytesFreed: blobs.bytesFreed + trees.bytesFreed + local.bytes + scratch.bytesFreed,
      dryRun,
    };
  } finally {
    release?.();
    store.close();
  }
}

/** Drops run records of keys no lock references; adds the outputs of the kept ones to `keep`. */
function collectRecords(store: Store, keepKeys: ReadonlySet<string>, keep: KeepSet, dryRun: boolean): GcResult['records'] {
  let removed = 0;
  for (const rec of store.state.allRuns()) {
    if (keepKeys.has(rec.key)) {
      for (const o of Object.values(rec.outputs)) keep.add(o);
    } else {
      removed++;
      if (!dryRun) store.state.deleteRun(rec.key);
    }
  }
  return { kept: keepKeys.size, removed };
}

function collectBlobs(store: Store, keepBlobs: ReadonlySet<string>, dryRun: boolean): GcResult['blobs'] {
  let kept = 0;
  let removed = 0;
  let bytesFreed = 0;
  const root = store.blobs.root;
  for (const shard of listDir(root)) {
    for (const name of listDir(join(root, shard))) {
      if (keepBlobs.has(name)) {
        kept++;
        continue;
      }
      removed++;
      bytesFreed += statSync(join(root, shard, name)).size;
      if (!dryRun && /^[0-9a-f]{64}$/.test(name)) store.blobs.remove(name);
    }
  }
  return { kept, removed, bytesFreed };
}

/** Every entry of .tunefile/tmp: with the run lock held, each one is the scratch folder of a run that was killed. */
function collectScratch(store: Store, dryRun: boolean): GcResult['scratch'] {
  let removed = 0;
  let bytesFreed = 0;
  for (const name of listDir(store.tmpDir)) {
    bytesFreed += removePath(join(store.tmpDir, name), dryRun).bytes;
    removed++;
  }
  return { removed, bytesFreed };
}

