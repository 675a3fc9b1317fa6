// gc and tree artifacts: a kept tree keeps its manifest and every file blob it lists, and the built folders of trees
// no lock references (.tunefile/cache/trees/*, or a build a killed run left half-way) are removed.
import { lstatSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { listDir } from '../local/checkpoint-files.ts';
import type { StoredOutput, TreeStore } from '../store/index.ts';

/** What gc keeps: blob hashes (files and manifests) and tree hashes (whose folders stay built). */
export interface KeepSet {
  blobs: Set<string>;
  trees: Set<string>;
  /** Keeps an output's blob, or a tree's manifest, folder and every file blob it lists. */
  add(output: StoredOutput): void;
}

/** What gc removed (or would) in .tunefile/cache/trees. */
export interface TreeGcResult {
  kept: number;
  removed: number;
  /** Bytes only the removed folders held: their copied files (hard links share their blob's bytes, counted with the blobs). */
  bytesFreed: number;
}

/** An empty KeepSet that reads tree manifests from `store`. */
export function makeKeepSet(store: { trees: TreeStore }): KeepSet {
  const blobs = new Set<string>();
  const trees = new Set<string>();
  return {
    blobs,
    trees,
    add(output) {
      blobs.add(output.hash);
      if (!output.tree || trees.has(output.hash)) return;
      trees.add(output.hash);
      let entries;
      try {
        entries = store.trees.entries(output.hash);
      } catch {
        // The manifest is gone or damaged: the tree is already a cache miss (its producer reruns and writes it again),
        // and which file blobs it listed cannot be known, so they are kept only if something else references them.
        return;
      }
      for (const e of entries) blobs.add(e.hash);
    },
  };
}

/** Removes the folders in `trees.root` not named by a kept tree (or only measures them with dryRun). */
export function collectTreeFolders(trees: TreeStore, keep: ReadonlySet<string>, dryRun: boolean): TreeGcResult {
  let kept = 0;
  let removed = 0;
  let bytesFreed = 0;
  for (const name of listDir(trees.root)) {
    if (keep.has(name)) {
      kept++;
      continue;
    }
    removed++;
    const folder = join(trees.root, name);
    bytesFreed += ownBytes(folder);
    if (!dryRun) rmSync(folder, { recursive: true, force: true });
  }
  return { kept, removed, bytesFreed };
}

/** Bytes of the files under `folder` that have no other link (copies, not hard links of blobs). */
function ownBytes(folder: string): number {
  let total = 0;
  let names: string[];
  try {
    names = readdirSync(folder, { recursive: true }) as string[];
  } catch {
    return lstatSync(folder).size; // a stray file, not a folder
  }
  for (const name of names) {
    const stat = lstatSync(join(folder, name));
    if (!stat.isDirectory() && stat.nlink === 1) total += stat.size;
  }
  return total;
}
