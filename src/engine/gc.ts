// `tunefile gc`: drop run records and blobs that no lock file in the project references.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../store/index.ts';
import { readLockFile } from './lockfile.ts';

export interface GcResult {
  lockFiles: string[];
  records: { kept: number; removed: number };
  blobs: { kept: number; removed: number; bytesFreed: number };
  dryRun: boolean;
}

const SKIP = new Set(['node_modules', '.git', '.tunefile', 'dist']);

/** Every `*.lock` file of tunefile's format under the project root. */
export function findLockFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 6) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && !SKIP.has(entry.name)) walk(join(dir, entry.name), depth + 1);
      else if (entry.isFile() && entry.name.endsWith('.lock')) {
        try {
          if (readLockFile(join(dir, entry.name))?.version) found.push(join(dir, entry.name));
        } catch {
          // not one of ours (package managers also write .lock files)
        }
      }
    }
  };
  walk(root, 0);
  return found.sort();
}

/** Removes unreferenced records and blobs (or only counts them with dryRun). */
export function collectGarbage(projectRoot: string, dryRun: boolean): GcResult {
  const lockFiles = findLockFiles(projectRoot);
  const keepKeys = new Set<string>();
  for (const file of lockFiles) for (const rec of Object.values(readLockFile(file)?.stages ?? {})) keepKeys.add(rec.key);
  const store = openStore(projectRoot);
  try {
    const keepBlobs = new Set<string>();
    let removedRecords = 0;
    for (const rec of store.state.allRuns()) {
      if (keepKeys.has(rec.key)) {
        for (const o of Object.values(rec.outputs)) keepBlobs.add(o.hash);
      } else {
        removedRecords++;
        if (!dryRun) store.state.deleteRun(rec.key);
      }
    }
    let kept = 0;
    let removed = 0;
    let bytesFreed = 0;
    const root = store.blobs.root;
    for (const shard of safeList(root)) {
      for (const name of safeList(join(root, shard))) {
        if (keepBlobs.has(name)) {
          kept++;
          continue;
        }
        removed++;
        bytesFreed += statSync(join(root, shard, name)).size;
        if (!dryRun && /^[0-9a-f]{64}$/.test(name)) store.blobs.remove(name);
      }
    }
    return { lockFiles, records: { kept: keepKeys.size, removed: removedRecords }, blobs: { kept, removed, bytesFreed }, dryRun };
  } finally {
    store.close();
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
