// Ingesting a folder a stage wrote as one output: each regular file becomes a blob, and the manifest that lists them
// becomes the blob that names the tree (tree-manifest.ts). Only files and folders are accepted; empty folders are
// dropped (a tree is its files).
import { copyFileSync, lstatSync, readdirSync, writeFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { TunefileError } from '../errors.ts';
import { tempPathFor } from '../shared/atomic-write.ts';
import { mapLimit } from '../shared/map-limit.ts';
import { prepareBlob, type BlobStore } from './blobs.ts';
import { formatManifest, treeBytes, unsafeTreePath, type TreeEntry } from './tree-manifest.ts';

/** A tree once ingested. */
export interface IngestedTree {
  /** The manifest blob's hash: the tree's name. */
  hash: string;
  /** Total bytes of its files. */
  bytes: number;
  files: number;
  /** Every blob of the tree (manifest and files) was moved in now, so the whole tree is known right. */
  fresh: boolean;
  /** Hashes of the file blobs moved in now (known right); blobs that were already there were not read. */
  freshEntries: string[];
}

/** Who wrote the folder, for messages: `pipelines/x.yaml:train` and the output's name. */
export interface TreeOrigin {
  address: string;
  output: string;
}

/** Files ingested at once: each holds a descriptor while it is hashed and fsynced. */
const INGEST_CONCURRENCY = 8;

/** A file found in the folder, before it is ingested. */
interface FoundFile {
  path: string;
  abs: string;
  stat: Stats;
}

/**
 * Moves every regular file under `dir` into the blob store and the manifest after them; the folder is left holding
 * only empty folders and is for the caller to remove. Files are hashed streaming (large ones in the hashing thread).
 * A file with other hard links is copied first, so the cache never makes someone else's file read-only.
 * @throws TunefileError TUNEFILE_STAGE_FAILED for a symbolic link, socket, FIFO or device in the folder, or a name that
 *   is not portable, naming the stage and the path
 */
export async function ingestTree(blobs: BlobStore, dir: string, origin: TreeOrigin): Promise<IngestedTree> {
  const found = listFiles(dir, '', origin);
  const ingested = await mapLimit(found, INGEST_CONCURRENCY, async (f) => {
    const file = f.stat.nlink > 1 ? privateCopy(f.abs) : f.abs;
    const blob = await blobs.ingest(file, prepareBlob(file));
    return { entry: { path: f.path, hash: blob.hash, bytes: blob.bytes, executable: (f.stat.mode & 0o111) !== 0 } satisfies TreeEntry, fresh: blob.fresh };
  });
  const entries = ingested.map((i) => i.entry);
  const manifestFile = tempPathFor(join(dir, 'manifest'));
  writeFileSync(manifestFile, formatManifest(entries));
  const manifest = await blobs.ingest(manifestFile);
  const freshEntries = ingested.filter((i) => i.fresh).map((i) => i.entry.hash);
  return {
    hash: manifest.hash,
    bytes: treeBytes(entries),
    files: entries.length,
    fresh: manifest.fresh && freshEntries.length === entries.length,
    freshEntries,
  };
}

/** The regular files under `dir` (relative POSIX paths below `prefix`), refusing anything else. */
function listFiles(dir: string, prefix: string, origin: TreeOrigin): FoundFile[] {
  const out: FoundFile[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = prefix === '' ? name : `${prefix}/${name}`;
    const abs = join(dir, name);
    const unsafe = unsafeTreePath(path);
    if (unsafe !== undefined) throw refused(origin, path, `its name ${unsafe}`, 'rename it');
    const stat = lstatSync(abs);
    if (stat.isDirectory()) out.push(...listFiles(abs, path, origin));
    else if (stat.isFile()) out.push({ path, abs, stat });
    else {
      const hint = stat.isSymbolicLink() ? 'write the file itself into the folder, not a link to it' : 'remove it from the folder before the program exits';
      throw refused(origin, path, `it is ${kindOf(stat)}; a folder output may hold only regular files and folders`, hint);
    }
  }
  return out;
}

function kindOf(stat: Stats): string {
  if (stat.isSymbolicLink()) return 'a symbolic link';
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isSocket()) return 'a socket';
  return 'a device';
}

function refused(origin: TreeOrigin, path: string, why: string, hint: string): TunefileError {
  return new TunefileError('TUNEFILE_STAGE_FAILED', `${origin.address}: output '${origin.output}' cannot be cached: ${origin.output}/${path}: ${why}`, { hint });
}

/** A private copy of a hard-linked file, beside it (same file system, so the store can move it in). */
function privateCopy(abs: string): string {
  const copy = tempPathFor(abs);
  copyFileSync(abs, copy);
  return copy;
}
