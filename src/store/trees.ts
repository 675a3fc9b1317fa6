// Tree artifacts: an output that is a folder. Its files are blobs, its manifest is the blob that names it
// (tree-manifest.ts), and readers get a real folder built from the blobs under .tunefile/cache/trees/<hash>/.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TunefileError } from '../errors.ts';
import { mapLimit } from '../shared/map-limit.ts';
import type { BlobStore } from './blobs.ts';
import { ingestTree, type IngestedTree, type TreeOrigin } from './tree-ingest.ts';
import { buildTree, isIntact } from './tree-folders.ts';
import { readManifestFile, treeBytes, type TreeEntry } from './tree-manifest.ts';

export type { TreeEntry } from './tree-manifest.ts';
export type { IngestedTree, TreeOrigin } from './tree-ingest.ts';

/** What is wrong with a cached tree: the first blob (its manifest, or the file at `path`) found missing or bad. */
export interface TreeProblem {
  status: 'missing' | 'wrong-size' | 'corrupt';
  /** The bad blob: the manifest's hash (the tree's own) or a file's. */
  hash: string;
  /** The file's path in the tree; absent when the manifest itself is the problem. */
  path?: string;
}

/** Blobs rehashed at once by verify (large ones go to the hashing thread). */
const VERIFY_CONCURRENCY = 8;

/** Tree artifacts of one project: ingest, checks, and the folders built for readers. */
export class TreeStore {
  readonly blobs: BlobStore;
  /** `.tunefile/cache/trees`: one folder per tree hash, built on demand and removable at any time. */
  readonly root: string;
  constructor(blobs: BlobStore, root: string) {
    this.blobs = blobs;
    this.root = root;
  }

  /** Where the folder of the tree with this hash is built (it may not exist). */
  pathOf(hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`not a sha256 hash: ${JSON.stringify(hash)}`);
    return join(this.root, hash);
  }

  /** Ingests the folder `dir` a stage wrote (see ingestTree). */
  ingest(dir: string, origin: TreeOrigin): Promise<IngestedTree> {
    return ingestTree(this.blobs, dir, origin);
  }

  /**
   * The files of the tree, from its manifest blob.
   * @throws TunefileError TUNEFILE_STORE when the manifest is missing or does not parse
   */
  entries(hash: string): TreeEntry[] {
    try {
      return readManifestFile(this.blobs.pathOf(hash));
    } catch (error) {
      const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing from the cache' : `is damaged (${(error as Error).message})`;
      throw new TunefileError('TUNEFILE_STORE', `the manifest of folder artifact ${hash.slice(0, 12)} ${why}`, {
        cause: error,
        hint: 'run again: the stage that made it reruns',
      });
    }
  }

  /**
   * Undefined when the manifest and every file blob are present with their sizes (and the files add up to `bytes`,
   * the recorded total); else the first problem. Reads the manifest, never the files.
   */
  check(hash: string, bytes: number): TreeProblem | undefined {
    if (!existsSync(this.blobs.pathOf(hash))) return { status: 'missing', hash };
    let entries;
    try {
      entries = readManifestFile(this.blobs.pathOf(hash));
    } catch {
      return { status: 'corrupt', hash };
    }
    if (treeBytes(entries) !== bytes) return { status: 'corrupt', hash };
    for (const e of entries) {
      const check = this.blobs.check(e.hash, e.bytes);
      if (check !== 'ok') return { status: check, hash: e.hash, path: e.path };
    }
    return undefined;
  }

  /**
   * check(), then rehashes the manifest and every file blob not in `known` (hashes already verified). `verified`
   * lists the hashes found right, the tree's own last (so a caller may trust the tree hash as a whole).
   */
  async verify(hash: string, bytes: number, known: ReadonlySet<string>): Promise<{ problem?: TreeProblem; verified: string[] }> {
    const problem = this.check(hash, bytes);
    if (problem) return { problem, verified: [] };
    if (known.has(hash)) return { verified: [] };
    if (!(await this.blobs.verify(hash))) return { problem: { status: 'corrupt', hash }, verified: [] };
    const pending = [...new Map(this.entries(hash).filter((e) => !known.has(e.hash)).map((e) => [e.hash, e])).values()];
    const ok = await mapLimit(pending, VERIFY_CONCURRENCY, (e) => this.blobs.verify(e.hash));
    const bad = pending.find((_, i) => !ok[i]);
    const verified = pending.filter((_, i) => ok[i]).map((e) => e.hash);
    if (bad) return { problem: { status: 'corrupt', hash: bad.hash, path: bad.path }, verified };
    return { verified: [...verified, hash] };
  }

  /**
   * The tree's folder under `root`, built from the blobs first when it is missing or damaged (a file missing, added,
   * resized, or no longer a link of its blob). Its files are read-only; the folders are not, so it can be deleted.
   * @throws TunefileError TUNEFILE_STORE when the manifest is missing or damaged; Error when a file blob is missing
   */
  materialize(hash: string): string {
    const dest = this.pathOf(hash);
    const entries = this.entries(hash);
    if (!isIntact(dest, entries, this.blobs)) buildTree(dest, entries, this.blobs, 'link');
    return dest;
  }

  /** Builds a private copy of the tree at `dest` (files copied, not linked: a program may do what it likes with them). */
  copyTo(hash: string, dest: string): void {
    buildTree(dest, this.entries(hash), this.blobs, 'copy');
  }
}
